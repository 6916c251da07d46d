package account

import "chorus/internal/fault"

// Errors returned by the account service. Each carries a message ID; the web
// layer shows the translated message.
var (
	ErrNotFound       = fault.ErrNotFound
	ErrEmailRequired  = fault.InvalidField("email", "account.error.email_required")
	ErrEmailInvalid   = fault.InvalidField("email", "account.error.email_invalid")
	ErrEmailTaken     = fault.InvalidField("email", "account.error.email_taken")
	ErrPasswordShort  = fault.InvalidField("password", "account.error.password_short")
	ErrPasswordLong   = fault.InvalidField("password", "account.error.password_long")
	ErrPasswordMatch  = fault.InvalidField("password2", "account.error.password_mismatch")
	ErrBadCredentials = fault.New(fault.Invalid, "account.error.bad_credentials")
	ErrThrottled      = fault.New(fault.TooMany, "account.error.throttled")
	ErrBadCode        = fault.InvalidField("code", "account.error.bad_code")
	ErrMFARequired    = fault.New(fault.Conflict, "account.error.mfa_required")
	ErrForbidden      = fault.New(fault.Forbidden, "error.forbidden")
	ErrSignInRequired = fault.New(fault.Unauthenticated, "error.sign_in_required")
	ErrSessionEnded   = fault.New(fault.Unauthenticated, "account.error.session_ended")
	ErrInvitationGone = fault.New(fault.Gone, "account.error.invitation_gone")
	ErrResetGone      = fault.New(fault.Gone, "account.error.reset_gone")
	ErrSetupDone      = fault.New(fault.Gone, "account.error.setup_done")
	ErrSetupToken     = fault.InvalidField("token", "account.error.setup_token")
	ErrRoleInvalid    = fault.InvalidField("role", "account.error.role_invalid")
	ErrScopeInvalid   = fault.InvalidField("scope", "account.error.scope_invalid")
	ErrGrantExists    = fault.New(fault.Conflict, "account.error.grant_exists")
	ErrLastAdmin      = fault.New(fault.Conflict, "account.error.last_admin")
	ErrSelf           = fault.New(fault.Conflict, "account.error.self")
)

func nameRequired(field string) error {
	return fault.InvalidField(field, "account.error.name_required")
}
func nameLong(field string) error { return fault.InvalidField(field, "account.error.name_long") }
