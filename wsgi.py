from lgo_assess import create_app

app = create_app()
