"""Log in to the running admin with the printed credentials; exit 1 if the login fails."""

import http.cookiejar
import re
import sys
import urllib.parse
import urllib.request

BASE = "http://127.0.0.1:8000"
user, password = sys.argv[1], sys.argv[2]
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
page = opener.open(f"{BASE}/admin/login/").read().decode()  # noqa: S310 - loopback only
token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
data = urllib.parse.urlencode(
    {"username": user, "password": password, "csrfmiddlewaretoken": token, "next": "/admin/"}
).encode()
request = urllib.request.Request(  # noqa: S310 - loopback only
    f"{BASE}/admin/login/?next=/admin/", data=data, headers={"Referer": f"{BASE}/admin/login/"}
)
body = opener.open(request).read().decode()  # noqa: S310 - loopback only
if "Log out" not in body and "logout" not in body:
    print(f"smoke: the printed login ({user}) did not log in to the admin")
    sys.exit(1)
print(f"smoke: logged in to the admin as {user}")
