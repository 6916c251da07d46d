package forum

import "chorus/internal/fault"

// Errors returned by the forum service.
var (
	ErrNotFound         = fault.ErrNotFound
	ErrForbidden        = fault.New(fault.Forbidden, "error.forbidden")
	ErrSignInRequired   = fault.New(fault.Unauthenticated, "error.sign_in_required")
	ErrNameRequired     = fault.InvalidField("name", "forum.error.name_required")
	ErrNameLong         = fault.InvalidField("name", "forum.error.name_long")
	ErrDisplayName      = fault.InvalidField("display_name", "forum.error.display_name")
	ErrTitleRequired    = fault.InvalidField("title", "forum.error.title_required")
	ErrTitleLong        = fault.InvalidField("title", "forum.error.title_long")
	ErrBodyRequired     = fault.InvalidField("body", "forum.error.body_required")
	ErrBodyLong         = fault.InvalidField("body", "forum.error.body_long")
	ErrCommentRequired  = fault.InvalidField("body", "forum.error.comment_required")
	ErrCommentLong      = fault.InvalidField("body", "forum.error.comment_long")
	ErrNoteRequired     = fault.InvalidField("note", "forum.error.note_required")
	ErrTarget           = fault.InvalidField("response_target", "forum.error.response_target")
	ErrThemeUnknown     = fault.InvalidField("themes", "forum.error.theme_unknown")
	ErrAnonymousOff     = fault.New(fault.Forbidden, "forum.error.anonymous_off")
	ErrNotMember        = fault.New(fault.Forbidden, "forum.error.not_member")
	ErrJoinByInvitation = fault.New(fault.Forbidden, "forum.error.join_invitation")
	ErrAlreadyMember    = fault.New(fault.Conflict, "forum.error.already_member")
	ErrTransition       = fault.InvalidField("status", "forum.error.transition")
	ErrResponseNeeded   = fault.InvalidField("note", "forum.error.response_needed")
	ErrCodeWrong        = fault.InvalidField("code", "forum.error.code_wrong")
	ErrCodeLocked       = fault.New(fault.TooMany, "forum.error.code_locked")
	ErrClosed           = fault.New(fault.Conflict, "forum.error.closed")
	ErrSupportOff       = fault.New(fault.Forbidden, "forum.error.support_members")
	ErrOwnIssue         = fault.New(fault.Conflict, "forum.error.own_issue")
	ErrReasonRequired   = fault.InvalidField("reason", "forum.error.reason_required")
	ErrEditClosed       = fault.New(fault.Conflict, "forum.error.edit_closed")
)
