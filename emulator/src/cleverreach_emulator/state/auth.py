"""Tokens and the OAuth grants."""

from __future__ import annotations

import json
import secrets

from ..model import Account, ApiError, OAuthError, Token, b64, iso
from .core import StateCore


class AuthOps(StateCore):
    """Tokens and the OAuth grants."""

    # ------------------------------------------------------------------ tokens / oauth

    def _make_access_token(self, account: Account, now: int) -> str:
        header = b64(b'{"alg":"HS256","typ":"JWT"}')
        payload = b64(json.dumps({
            "iss": "rest.cleverreach.com", "sub": account.account_id,
            "client_id": account.account_id, "shard": "shard1", "zone": 1,
            "scopes": self.settings.token_scope, "iat": now, "exp": now + self.settings.token_ttl,
            "jti": secrets.token_hex(8)}, separators=(",", ":")).encode())
        return f"{header}.{payload}.{b64(secrets.token_bytes(32))}"

    def _issue(self, account: Account, with_refresh: bool) -> dict:
        now = self.now()
        value = self._make_access_token(account, now)
        tok = Token(value, account, "access", now, now + self.settings.token_ttl)
        self.tokens[value] = tok
        account.tokens.append(tok)
        out = {"access_token": value, "token_type": "bearer", "expires_in": self.settings.token_ttl,
               "scope": self.settings.token_scope}
        if with_refresh:
            rvalue = secrets.token_urlsafe(32)
            rtok = Token(rvalue, account, "refresh", now, now + self.settings.refresh_token_ttl)
            self.refresh_tokens[rvalue] = rtok
            account.tokens.append(rtok)
            out["refresh_token"] = rvalue
        return out

    def client_account(self, client_id: str | None, client_secret: str | None) -> Account:
        account = self.accounts.get(client_id or "")
        if account is None or not client_secret or not secrets.compare_digest(
                account.client_secret.encode(), str(client_secret).encode()):
            raise OAuthError(401, "invalid_client", "The client credentials are invalid")
        return account

    def oauth_token(self, params: dict, basic: tuple[str, str] | None) -> dict:
        """Handle ``POST /oauth/token.php``; raises :class:`OAuthError`."""
        with self.lock:
            grant = params.get("grant_type")
            if basic is not None:
                client_id, client_secret = basic
            else:
                client_id, client_secret = params.get("client_id"), params.get("client_secret")
            if not grant:
                raise OAuthError(400, "invalid_request",
                                 "The grant type was not specified in the request")
            if grant not in ("client_credentials", "refresh_token", "authorization_code"):
                raise OAuthError(400, "unsupported_grant_type",
                                 "The grant type is unsupported by the authorization server")
            if grant == "refresh_token" and not client_id and params.get("refresh_token"):
                # some clients only send the refresh token; accept when it is valid
                rtok = self.refresh_tokens.get(str(params["refresh_token"]))
                if rtok is not None:
                    client_id, client_secret = rtok.account.client_id, rtok.account.client_secret
            account = self.client_account(client_id, client_secret)
            if grant == "client_credentials":
                return self._issue(account, self.settings.client_credentials_refresh_token)
            if grant == "authorization_code":
                if not str(params.get("code") or "").strip():
                    raise OAuthError(400, "invalid_grant", "Authorization code is missing or invalid")
                return self._issue(account, True)
            value = str(params.get("refresh_token") or "")
            rtok = self.refresh_tokens.get(value)
            if (rtok is None or rtok.account is not account or rtok.revoked
                    or rtok.expires <= self.now()):
                raise OAuthError(400, "invalid_grant", "Invalid refresh token")
            rtok.revoked = True  # rotation: a refresh token can be used once
            return self._issue(account, True)

    def lookup_token(self, value: str | None) -> Token | None:
        if not value:
            return None
        return self.tokens.get(value)

    def authenticate(self, value: str | None) -> Account:
        """Account of a valid access token, else ApiError 401."""
        with self.lock:
            tok = self.tokens.get(value or "")
            if tok is None or tok.revoked or tok.expires <= self.now():
                raise ApiError(401, "Unauthorized")
            return tok.account

    def token_ttl(self, value: str) -> dict:
        with self.lock:
            tok = self.tokens[value]
            return {"ttl": max(0, tok.expires - self.now()), "date": iso(tok.expires)}

    def exchange_token(self, value: str) -> dict:
        """``GET /debug/exchange``: new token pair; the old access token stops working."""
        with self.lock:
            tok = self.tokens[value]
            tok.revoked = True
            return self._issue(tok.account, True)

    def revoke_token(self, value: str) -> None:
        with self.lock:
            tok = self.tokens.get(value)
            if tok is not None:
                tok.revoked = True

    def revoke_tokens(self, client_id: str, include_refresh: bool = False) -> int:
        with self.lock:
            account = self._account(client_id)
            n = 0
            for tok in account.tokens:
                if not tok.revoked and (tok.kind == "access" or include_refresh):
                    tok.revoked = True
                    n += 1
            return n
