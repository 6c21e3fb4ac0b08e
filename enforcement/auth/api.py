"""REST: tokens, the current user, and accounts (API.md "Conventions")."""

from __future__ import annotations

from flask import current_app, g, request
from flask.views import MethodView
from flask_login import current_user

from enforcement.auth import schemas as s
from enforcement.auth import service
from enforcement.core import audit
from enforcement.core.api import ApiBlueprint, paginate_select
from enforcement.core.errors import DomainError
from enforcement.core.permissions import P, authenticated, public, require
from enforcement.extensions import db, limiter

blp = ApiBlueprint("auth_api", __name__, url_prefix="/api/v1",
                   description="登录令牌与当前用户 Tokens and the current user")
users_blp = ApiBlueprint("users_api", __name__, url_prefix="/api/v1/users",
                         description="用户 Users")


def _login_rate() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@blp.route("/auth/tokens")
class Tokens(MethodView):
    @public
    @limiter.limit(_login_rate)
    @blp.arguments(s.TokenRequestSchema)
    @blp.response(201, s.TokenResponseSchema)
    def post(self, data):
        """Sign in: exchange username, password (and TOTP code) for a bearer token."""
        try:
            user = service.authenticate(data["username"], data["password"], data["otp"])
        except DomainError:
            db.session.commit()  # failures are counted and audited although the request fails
            raise
        raw, token = service.issue_token(user, request.remote_addr)
        return {"token": raw, "expires_at": token.expires_at, "user": user}


@blp.route("/auth/tokens/current")
class CurrentToken(MethodView):
    @authenticated
    @blp.response(204)
    def delete(self):
        """Revoke the token this request carries."""
        service.revoke_token(g.api_token)
        audit.record("token_revoked", "api_tokens", g.api_token.id)


@blp.route("/me")
class Me(MethodView):
    @authenticated
    @blp.response(200, s.UserSchema)
    def get(self):
        """The signed-in user."""
        return current_user


@blp.route("/me/password")
class MyPassword(MethodView):
    @authenticated
    @blp.arguments(s.PasswordChangeSchema)
    @blp.response(204)
    def post(self, data):
        """Change my password (required after the first login or a reset)."""
        service.change_own_password(current_user, data["current_password"], data["new_password"])


@users_blp.route("")
class Users(MethodView):
    @require(P.USERS_LIST, P.USERS_MANAGE)
    @users_blp.arguments(s.UserQuerySchema, location="query")
    @users_blp.response(200, s.UserSchema(many=True))
    @users_blp.paginate()
    def get(self, query, pagination_parameters):
        """Users, filtered by role (officers and leaders see colleagues to pick teams)."""
        stmt = service.list_users(query.get("role"), query.get("active"), query.get("q"))
        users = paginate_select(stmt, pagination_parameters)
        return [_visible(u) for u in users]

    @require(P.USERS_MANAGE)
    @users_blp.arguments(s.UserCreateSchema)
    @users_blp.response(201, s.UserSchema)
    def post(self, data):
        """Create an account (administrators)."""
        return service.create_user(service.AccountData(**data))


@users_blp.route("/<int:user_id>")
class UserItem(MethodView):
    @require(P.USERS_LIST, P.USERS_MANAGE)
    @users_blp.response(200, s.UserSchema)
    def get(self, user_id):
        return _visible(service.get_user(user_id))

    @require(P.USERS_MANAGE)
    @users_blp.arguments(s.UserPatchSchema)
    @users_blp.response(200, s.UserSchema)
    def patch(self, data, user_id):
        """Edit an account; send the ``version`` you read (409 if it changed since)."""
        user = service.get_user(user_id)
        locale = data.pop("locale", None)
        service.update_user(user, data.pop("version"), acting_user=current_user, **data)
        if locale is not None:
            user.locale = locale
        return user


@users_blp.route("/<int:user_id>/password")
class UserPassword(MethodView):
    @require(P.USERS_MANAGE)
    @users_blp.arguments(s.PasswordResetSchema)
    @users_blp.response(200, s.PasswordResetResultSchema)
    def post(self, data, user_id):
        """Reset a password; the user must change it at the next login. Returns the new one."""
        user = service.get_user(user_id)
        return {"password": service.reset_password(user, data.get("password"))}


def _visible(user):
    """Administrators see the whole account; colleagues the brief one."""
    if current_user.can(P.USERS_MANAGE) or current_user.id == user.id:
        return user
    return s.UserBriefSchema().dump(user)
