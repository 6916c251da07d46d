package steering

import "context"

// Store is what the steering service needs from storage. Adapters return
// fault.ErrNotFound and fault.ErrConflict (a unique key is taken).
type Store interface {
	// ErasureStore forgets a person (erasure.go).
	ErasureStore

	// CreateGroup inserts a group. ErrConflict when its ID is taken.
	CreateGroup(ctx context.Context, g *Group) error
	// UpdateGroup replaces a group's name, description and forums. ErrNotFound.
	UpdateGroup(ctx context.Context, g *Group) error
	// FindGroup returns a group. ErrNotFound.
	FindGroup(ctx context.Context, id string) (*Group, error)
	// ListGroups returns every group, by name.
	ListGroups(ctx context.Context) ([]*Group, error)

	// AddGroupMember inserts a membership. ErrConflict when already a member.
	AddGroupMember(ctx context.Context, m *Member) error
	// UpdateGroupMember replaces a member's name, role and organisation. ErrNotFound.
	UpdateGroupMember(ctx context.Context, m *Member) error
	// RemoveGroupMember deletes a membership. ErrNotFound.
	RemoveGroupMember(ctx context.Context, groupID, userID string) error
	// ListGroupMembers returns a group's members, by name.
	ListGroupMembers(ctx context.Context, groupID string) ([]*Member, error)
	// ListGroupMemberships returns a person's memberships.
	ListGroupMemberships(ctx context.Context, userID string) ([]*Member, error)

	// CreateMeeting inserts a meeting. ErrConflict when its ID is taken.
	CreateMeeting(ctx context.Context, m *Meeting) error
	// UpdateMeeting replaces a meeting's details, status and current item
	// (the chair is its one writer). ErrNotFound.
	UpdateMeeting(ctx context.Context, m *Meeting) error
	// FindMeeting returns a meeting. ErrNotFound.
	FindMeeting(ctx context.Context, id string) (*Meeting, error)
	// ListMeetings returns a group's meetings, earliest first.
	ListMeetings(ctx context.Context, groupID string) ([]*Meeting, error)

	// AddItem inserts an agenda item. ErrConflict when its ID is taken.
	AddItem(ctx context.Context, it *Item) error
	// UpdateItem replaces an item's title, lead, time box, order and notes.
	// ErrNotFound.
	UpdateItem(ctx context.Context, it *Item) error
	// RemoveItem deletes an agenda item. ErrNotFound.
	RemoveItem(ctx context.Context, id string) error
	// FindItem returns an agenda item. ErrNotFound.
	FindItem(ctx context.Context, id string) (*Item, error)
	// ListItems returns a meeting's agenda in order.
	ListItems(ctx context.Context, meetingID string) ([]*Item, error)

	// AddDecision inserts a decision. ErrConflict when its ID is taken.
	AddDecision(ctx context.Context, d *Decision) error
	// ListDecisions returns a group's decisions, oldest first; only one
	// meeting's when meetingID is set.
	ListDecisions(ctx context.Context, groupID, meetingID string) ([]*Decision, error)

	// CreateAction inserts an action. ErrConflict when its ID is taken.
	CreateAction(ctx context.Context, a *Action) error
	// FindAction returns an action (Status unset). ErrNotFound.
	FindAction(ctx context.Context, id string) (*Action, error)
	// ListActions returns a group's actions (Status unset), oldest first.
	ListActions(ctx context.Context, groupID string) ([]*Action, error)
	// ListActionsFor returns the actions linked to an issue, oldest first.
	ListActionsFor(ctx context.Context, issueID string) ([]*Action, error)
	// AddActionEvent inserts a history event under its (action, seq) key,
	// and its (action, key) when it has a Key. ErrConflict when either is
	// taken.
	AddActionEvent(ctx context.Context, e *ActionEvent) error
	// ListActionEvents returns the histories of some actions, each in order.
	ListActionEvents(ctx context.Context, actionIDs []string) ([]*ActionEvent, error)

	// AddQuestion inserts a quiet-voice question under its (meeting, seq)
	// key. ErrConflict when its ID or that key is taken.
	AddQuestion(ctx context.Context, q *Question) error
	// FindQuestion returns a question (Supports unset). ErrNotFound.
	FindQuestion(ctx context.Context, id string) (*Question, error)
	// SetQuestionStatus changes a question's status. ErrNotFound.
	SetQuestionStatus(ctx context.Context, id string, st QuestionStatus) error
	// ListQuestions returns a meeting's questions in order, with their
	// support counts.
	ListQuestions(ctx context.Context, meetingID string) ([]*Question, error)
	// AddQuestionSupport records a support under (question, key).
	// ErrConflict when that key already supports it.
	AddQuestionSupport(ctx context.Context, questionID, key string) error

	// FindMinutes returns a meeting's minutes. ErrNotFound.
	FindMinutes(ctx context.Context, meetingID string) (*Minutes, error)
	// SaveMinutes inserts or replaces a meeting's minutes.
	SaveMinutes(ctx context.Context, m *Minutes) error
}
