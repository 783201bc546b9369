"""The simulated LGO editor of benchmarks/deadline_day.py (run by locust, headless, 127.0.0.1).

Each user takes the next account from ``DEADLINE_ACCOUNTS`` (a JSON list written by the
benchmark), logs in through the form with its CSRF token, opens its workspace, then every 5–15 s
views the workspace (8), autosaves a narrative as workspace.js does (3) or uploads a 256 KB PDF
to its evidence library as the workspace's inline upload does (1).
"""
from __future__ import annotations

import itertools
import json
import os
import re
import uuid

from deadline_day import padded_pdf   # locust puts this folder on the path
from locust import FastHttpUser, between, task

ACCOUNTS: list[dict] = []
_next_account = itertools.count()
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
UPLOAD_BYTES = 256 * 1024


def multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="rows-0-file"; '
                 f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'.encode())
    parts.append(content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Editor(FastHttpUser):
    wait_time = between(5, 15)

    def on_start(self):
        if not ACCOUNTS:
            with open(os.environ["DEADLINE_ACCOUNTS"], encoding="utf-8") as f:
                ACCOUNTS.extend(json.load(f))
        self.account = ACCOUNTS[next(_next_account) % len(ACCOUNTS)]
        self.versions: dict[str, int] = {}
        self.saves = 0
        page = self.client.get("/login", name="login page")
        token = _CSRF.search(page.text or "")
        with self.client.post("/login", name="login", allow_redirects=False, catch_response=True,
                              data={"email": self.account["email"],
                                    "password": self.account["password"],
                                    "csrf_token": token.group(1) if token else ""}) as answer:
            if answer.status_code != 302:
                answer.failure(f"login answered {answer.status_code}")
        self.view_workspace()

    @task(8)
    def view_workspace(self):
        with self.client.get(f"/assessments/{self.account['assessment_id']}",
                             name="workspace page", catch_response=True) as page:
            found = _CSRF.search(page.text or "") if page.status_code == 200 else None
            if found is None:
                page.failure(f"workspace answered {page.status_code} without a CSRF token")
                return
            self.csrf = found.group(1)

    @task(3)
    def autosave(self):
        criteria = self.account["criteria"]
        code = criteria[self.saves % len(criteria)]
        self.saves += 1
        body = {"narrative": f"ดำเนินการแล้ว ครั้งที่ {self.saves}",
                "version": self.versions.get(code)}
        with self.client.post(
                f"/assessments/{self.account['assessment_id']}/responses/{code}",
                name="autosave", json=body, catch_response=True,
                headers={"Accept": "application/json", "X-CSRFToken": self.csrf}) as answer:
            if answer.status_code != 200:
                answer.failure(f"autosave answered {answer.status_code}")
                return
            self.versions[code] = answer.json()["version"]

    @task(1)
    def upload(self):
        body, content_type = multipart(
            {"csrf_token": self.csrf, "rows-0-title": "หลักฐานประกอบ"}, "evidence.pdf",
            padded_pdf(UPLOAD_BYTES))
        url = f"/evidence/lgo/{self.account['lgo_id']}/{self.account['fiscal_year']}/upload"
        with self.client.post(url, name="upload 256 KB", data=body, catch_response=True,
                              headers={"Content-Type": content_type,
                                       "Accept": "application/json",
                                       "X-CSRFToken": self.csrf}) as answer:
            if answer.status_code != 201:
                answer.failure(f"upload answered {answer.status_code}")
