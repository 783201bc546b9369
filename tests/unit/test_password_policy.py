"""The password policy: long enough, and not a password people commonly pick."""
import pytest

from lgo_assess.accounts.services import (check_password_policy, common_passwords,
                                          is_guessable)
from lgo_assess.core.errors import Invalid


def test_the_common_password_list_is_large_and_includes_thai_favourites():
    words = common_passwords()
    assert len(words) >= 200
    for favourite in ("sawasdee", "รหัสผ่าน", "l;ylfu", "ๅ/-ภถุึคตจ", "thailand", "123456"):
        assert favourite in words, favourite
    assert not any(word.startswith("#") for word in words), "comment lines leaked into the list"


@pytest.mark.parametrize("password", [
    "password1234",        # on the list as it is
    "Sawasdee2567!",       # a listed stem with a year and a symbol
    "2567thailand",        # digits in front
    "รหัสผ่าน12345678",      # Thai script stem
    "qwertyuiopasdf",      # a keyboard run
    "123456789012",        # a digit run
    "abcdefghijklm",       # the alphabet
    "abcdabcdabcd",        # a short unit repeated
    "passwordpassword",    # a listed word repeated
    "aaaaaaaaaaaaaaaa",    # almost one character
])
def test_guessable_passwords_are_refused(password):
    assert is_guessable(password), password
    with pytest.raises(Invalid):
        check_password_policy(password)


@pytest.mark.parametrize("password", [
    "correct horse battery staple",
    "ต้นมะม่วงหลังบ้านออกลูกดก",
    "Lampang-rain-4-bicycles",
])
def test_long_unusual_passwords_pass(password):
    assert not is_guessable(password)
    check_password_policy(password)


def test_a_short_password_is_refused_with_the_minimum_in_the_message():
    with pytest.raises(Invalid) as refused:
        check_password_policy("short-pw", min_length=12)
    assert "12" in str(refused.value.message)


def test_an_absurdly_long_password_is_refused():
    long_password = "".join(f"{chr(0x0E01 + i % 40)}{i}" for i in range(200))
    assert not is_guessable(long_password)
    with pytest.raises(Invalid) as refused:
        check_password_policy(long_password)
    assert "256" in str(refused.value.message)


def test_the_users_own_email_or_name_is_refused():
    assert is_guessable("somying.rakdee2024", context=["somying.rakdee@example.go.th",
                                                       "somying.rakdee"])
    assert not is_guessable("somying.rakdee2024")
