"""API and form schemas for accounts and tokens."""

from __future__ import annotations

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from enforcement.auth.models import ROLE_CODES
from enforcement.core.i18n import N_
from enforcement.core.schemas import LocalDateTime, Schema, VersionedSchema

_ROLES_NEEDED = N_("至少选择一个角色。")
_role = fields.String(validate=validate.OneOf(ROLE_CODES))


class TokenRequestSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    otp = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=10))


class UserBriefSchema(Schema):
    """What colleagues see of a user (to pick inspection teams)."""

    id = fields.Integer(dump_only=True)
    username = fields.String()
    display_name = fields.String()
    roles = fields.List(fields.String())
    certificate_no = fields.String(allow_none=True)


class UserSchema(UserBriefSchema):
    """The whole account, for administrators and for the user themself."""

    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    legal_qualified = fields.Boolean()
    active = fields.Boolean()
    must_change_password = fields.Boolean()
    two_factor = fields.Boolean()
    locale = fields.String(allow_none=True)
    last_login_at = LocalDateTime(allow_none=True)
    created_at = LocalDateTime()
    version = fields.Integer()


class TokenResponseSchema(Schema):
    token = fields.String()
    expires_at = LocalDateTime()
    user = fields.Nested(UserBriefSchema)


class UserQuerySchema(Schema):
    role = fields.String(validate=validate.OneOf(ROLE_CODES))
    active = fields.Boolean()
    q = fields.String(validate=validate.Length(max=64))


class UserCreateSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=2, max=64))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    roles = fields.List(_role, required=True, validate=validate.Length(min=1, error=_ROLES_NEEDED))
    password = fields.String(required=True, validate=validate.Length(max=256))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    email = fields.Email(load_default=None, allow_none=True)
    certificate_no = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Length(max=32))
    must_change_password = fields.Boolean(load_default=True)
    legal_qualified = fields.Boolean(load_default=False)


class UserPatchSchema(VersionedSchema):
    display_name = fields.String(validate=validate.Length(min=1, max=64))
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    email = fields.Email(allow_none=True)
    certificate_no = fields.String(allow_none=True, validate=validate.Length(max=32))
    roles = fields.List(_role, validate=validate.Length(min=1, error=_ROLES_NEEDED))
    legal_qualified = fields.Boolean()
    active = fields.Boolean()
    locale = fields.String(allow_none=True, validate=validate.OneOf(["zh_CN", "en"]))


class PasswordResetSchema(Schema):
    password = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=256))


class PasswordResetResultSchema(Schema):
    password = fields.String()


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class PasswordChangeFormSchema(PasswordChangeSchema):
    confirm_password = fields.String(required=True)

    @ma.validates_schema
    def _confirmed(self, data, **kwargs):
        if data.get("confirm_password") != data.get("new_password"):
            raise ma.ValidationError(_l("两次输入的新密码不一致。"), "confirm_password")


class LoginFormSchema(Schema):
    class Meta:
        unknown = ma.EXCLUDE  # the form also carries csrf_token and next

    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class OtpFormSchema(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    code = fields.String(required=True, validate=validate.Regexp(r"^\s*\d{6}\s*$"))
