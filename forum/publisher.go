package forum

import "context"

// Publisher tells people watching a page what changed, after the change is
// stored. Rooms are "issue:<id>" and "forum:<id>". Publishing never fails
// the change: a viewer who misses an event sees it on the next page load.
type Publisher interface {
	// Publish announces a numbered event in a room.
	Publish(ctx context.Context, room, typ string, data map[string]any)
	// Count announces a changing count; the publisher may coalesce bursts.
	Count(ctx context.Context, room, typ string, data map[string]any)
}

type noPublisher struct{}

func (noPublisher) Publish(context.Context, string, string, map[string]any) {}
func (noPublisher) Count(context.Context, string, string, map[string]any)   {}

// SetPublisher makes the service announce changes through p.
func (s *Service) SetPublisher(p Publisher) { s.pub = p }

// IssueRoom is the live room of an issue's page.
func IssueRoom(issueID string) string { return "issue:" + issueID }

// ForumRoom is the live room of a forum's page.
func ForumRoom(forumID string) string { return "forum:" + forumID }
