package server_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/secret"
	"chorus/steering"
)

// Roles in the permission table. Later issues add steering roles.
const (
	visitor     = "visitor"     // not signed in
	member      = "member"      // signed in, no role anywhere
	forumMember = "forumMember" // a member of forum A
	facilitator = "facilitator" // a facilitator of forum A
	otherFac    = "otherFac"    // a facilitator of forum B (another forum)
	orgAdmin    = "orgAdmin"    // administers organisation A (this scope), which runs forum A
	otherOrg    = "otherOrg"    // administers organisation B (another scope), which runs forum B
	installer   = "admin"       // installation administrator
	lead        = "lead"        // forum A's safeguarding lead, not otherwise a member
	chair       = "chair"       // chairs steering group A (organisation A, linked to forum A)
	parentRep   = "parentRep"   // a parent carer representative in steering group A
)

var roles = []string{visitor, member, forumMember, facilitator, otherFac, orgAdmin, otherOrg, installer, lead, chair, parentRep}

// steeringRoles are the roles outcomes leaves to their own entries: outside
// the steering routes a chair and a representative are plain signed-in
// people.
var steeringRoles = []string{lead, chair, parentRep}

// outcomes lists the outcome for each role, in the order of roles, leaving
// out the safeguarding lead: the lead facilitates forum A (where its
// facilitators may and its members may not, so may the lead) and is
// otherwise a plain signed-in person. withLead says otherwise.
func outcomes(os ...outcome) map[string]outcome {
	m := map[string]outcome{}
	for i, r := range roles[:len(roles)-len(steeringRoles)] {
		m[r] = os[i]
	}
	m[lead], m[chair], m[parentRep] = m[member], m[member], m[member]
	if m[facilitator] == allow && m[forumMember] != allow && m[member] != allow {
		m[lead] = allow
	}
	return m
}

// withLead gives the safeguarding lead its own outcome.
func withLead(m map[string]outcome, o outcome) map[string]outcome {
	out := map[string]outcome{}
	for k, v := range m {
		out[k] = v
	}
	out[lead] = o
	return out
}

// steer lists the outcome for every role, in the order of roles, for the
// steering routes, where the chair and the representative differ.
func steer(os ...outcome) map[string]outcome {
	m := map[string]outcome{}
	for i, r := range roles {
		m[r] = os[i]
	}
	return m
}

// outcome is what a role gets from a route.
type outcome int

const (
	allow  outcome = iota // the route does its work (any status but a refusal)
	signIn                // sent to sign in (GET) or refused as unauthenticated (POST)
	deny                  // 403 forbidden
	hidden                // 404: someone else's resource does not exist for them
)

func (o outcome) String() string { return [...]string{"allow", "signIn", "deny", "hidden"}[o] }

// every gives the same outcome to every role.
func every(o outcome) map[string]outcome {
	m := map[string]outcome{}
	for _, r := range roles {
		m[r] = o
	}
	return m
}

var (
	public = every(allow)
	//                   visitor member forumMember facilitator otherFac orgAdmin otherOrg admin
	signedIn  = outcomes(signIn, allow, allow, allow, allow, allow, allow, allow)
	adminAny  = outcomes(signIn, deny, deny, deny, deny, allow, allow, allow)
	adminOnly = outcomes(signIn, deny, deny, deny, deny, deny, deny, allow)
	// A resource belonging to organisation A: organisation B's administrator
	// must not learn it exists.
	orgAResource = outcomes(signIn, deny, deny, deny, deny, allow, hidden, allow)
	// An action naming organisation A's scope (or its forum A): organisation
	// B's administrator is refused.
	orgAScope = outcomes(signIn, deny, deny, deny, deny, allow, deny, allow)
	// Facilitating forum A: its facilitators and organisation A's administrators.
	facilitating = outcomes(signIn, deny, deny, allow, deny, allow, deny, allow)
	// Taking part in forum A (supporting, commenting): its members.
	taking = outcomes(deny, deny, allow, allow, deny, deny, deny, deny)
	// Seeing steering group A, its published meetings and its actions: its
	// members, organisation A's administrators, and the people of forum A
	// (whose lead facilitates it); nobody else learns they exist.
	seesGroup = steer(signIn, hidden, allow, allow, hidden, allow, hidden, allow, allow, allow, allow)
	// Chairing group A's meetings: its chair and organisation A's administrators.
	chairing = steer(signIn, hidden, deny, deny, hidden, allow, hidden, allow, deny, allow, deny)
)

// permissions is the table: every route (method and pattern) with the
// expected outcome for every role. A route missing here fails the test.
var permissions = map[string]map[string]outcome{
	"GET /":                                    public,
	"GET /healthz":                             public,
	"GET /readyz":                              public,
	"GET /static/:file":                        public,
	"GET /exit":                                public,
	"GET /help/quick-exit":                     public,
	"GET /privacy":                             public,
	"GET /accessibility":                       public,
	"POST /easy-read":                          public,
	"GET /setup":                               public,
	"POST /setup":                              public,
	"GET /signin":                              public,
	"POST /signin":                             public,
	"GET /signin/code":                         public,
	"POST /signin/code":                        public,
	"GET /signin/mfa-setup":                    public,
	"POST /signin/mfa-setup":                   public,
	"POST /signout":                            public,
	"GET /invitations/:token":                  public,
	"POST /invitations/:token":                 public,
	"GET /reset/:token":                        public,
	"POST /reset/:token":                       public,
	"GET /account":                             signedIn,
	"POST /account/password":                   signedIn,
	"GET /account/mfa":                         signedIn,
	"POST /account/mfa":                        signedIn,
	"POST /account/mfa/disable":                signedIn,
	"POST /account/data":                       signedIn,
	"GET /account/erasure":                     signedIn,
	"POST /account/erasure":                    signedIn,
	"POST /account/erasure/:id/withdraw":       outcomes(signIn, hidden, allow, hidden, hidden, hidden, hidden, hidden), // the forum member's own request; anyone else's does not exist
	"GET /forums":                              public,
	"GET /forums/new":                          adminAny,
	"POST /forums":                             orgAScope,
	"GET /forums/:id":                          public,
	"GET /forums/:id/edit":                     orgAScope,
	"POST /forums/:id/edit":                    orgAScope,
	"POST /forums/:id/join":                    signedIn,
	"GET /forums/:id/members":                  outcomes(signIn, deny, deny, allow, deny, allow, deny, allow),
	"POST /forums/:id/members/:user/role":      orgAScope,
	"GET /forums/:id/invitations":              outcomes(signIn, deny, deny, allow, deny, allow, deny, allow),
	"POST /forums/:id/invitations":             outcomes(signIn, deny, deny, allow, deny, allow, deny, allow),
	"POST /forums/:id/invitations/:inv/revoke": outcomes(signIn, hidden, hidden, allow, hidden, allow, hidden, allow), // someone else's invitation does not exist
	"GET /forums/:id/raise":                    public,                                                                // forum A takes anonymous issues
	"POST /forums/:id/raise":                   public,
	"GET /issues/:id":                          public,
	"POST /issues/:id/support":                 taking, // forum A: members only
	"POST /issues/:id/unsupport":               taking,
	"POST /issues/:id/comments":                outcomes(signIn, deny, allow, allow, deny, deny, deny, deny),
	"POST /issues/:id/status":                  facilitating,
	"POST /issues/:id/respond":                 facilitating,
	"POST /issues/:id/ask":                     facilitating,
	"POST /issues/:id/follow":                  signedIn,
	"POST /issues/:id/unfollow":                signedIn,
	"POST /issues/:id/report":                  outcomes(signIn, deny, allow, allow, deny, deny, deny, deny),
	"GET /comments/:id/edit":                   outcomes(signIn, deny, allow, deny, deny, deny, deny, deny), // its author only
	"POST /comments/:id/edit":                  outcomes(signIn, deny, allow, deny, deny, deny, deny, deny),
	"GET /forums/:id/reports":                  outcomes(signIn, deny, deny, allow, deny, allow, deny, allow),
	"GET /forums/:id/moderation":               facilitating,
	"GET /moderation":                          signedIn, // lists the forums the person facilitates, if any
	"GET /issues/:id/moderate":                 facilitating,
	"POST /issues/:id/moderate":                facilitating,
	"POST /issues/:id/moderate/edit":           facilitating,
	"POST /issues/:id/merge":                   facilitating,
	"POST /issues/:id/themes":                  facilitating,
	"POST /issues/:id/quotes":                  facilitating,
	"POST /issues/:id/quotes/:quote/remove":    withLead(outcomes(signIn, deny, deny, hidden, deny, hidden, deny, hidden), hidden), // no such quote
	"POST /issues/:id/erase":                   outcomes(signIn, deny, deny, deny, deny, allow, deny, allow),                       // administrators only
	"POST /forums/:id/themes":                  facilitating,
	"GET /forums/:id/audit":                    facilitating,
	"GET /forums/:id/audit.csv":                facilitating,
	"GET /forums/:id/audit.json":               facilitating,
	"GET /notifications":                       signedIn,
	"POST /notifications/read":                 signedIn,
	"POST /notifications/:id/read":             outcomes(signIn, hidden, hidden, hidden, hidden, hidden, hidden, hidden), // someone else's notification does not exist
	"GET /account/notifications":               signedIn,
	"POST /account/notifications":              signedIn,
	"GET /unsubscribe/:token":                  public, // the signed token names the person, no session needed
	"POST /unsubscribe/:token":                 public,
	"GET /unsubscribe/:token/one-click":        public,
	"POST /unsubscribe/:token/one-click":       public,                                                                   // RFC 8058: the signed token alone authorises it
	"GET /notifications/:id/invitation":        outcomes(signIn, hidden, hidden, hidden, hidden, hidden, hidden, hidden), // someone else's notification does not exist
	"GET /admin/email":                         adminOnly,
	"POST /admin/email/retry":                  outcomes(signIn, deny, deny, deny, deny, deny, deny, hidden), // no such email
	"GET /password/forgot":                     every(hidden),                                                // only when email is configured, which it is not here
	"POST /password/forgot":                    every(hidden),
	"GET /live":                                public, // a websocket; rooms are checked on each subscribe
	"GET /live/events":                         public, // server-sent events; the room is checked likewise
	"GET /follow-up":                           public,
	"POST /follow-up":                          public,
	"POST /follow-up/detail":                   public,
	"POST /follow-up/download":                 public,
	// Steering group A: organisation A's, linked to forum A.
	//                                                        visitor member forumMember facilitator otherFac orgAdmin otherOrg admin lead chair parentRep
	"GET /groups":                              public,
	"GET /groups/new":                          adminAny,
	"POST /groups":                             orgAScope,
	"GET /groups/:id":                          seesGroup,
	"GET /groups/:id/edit":                     steer(signIn, deny, deny, deny, deny, allow, hidden, allow, deny, deny, deny),
	"POST /groups/:id/edit":                    orgAScope,
	"POST /groups/:id/members":                 orgAScope,
	"POST /groups/:id/members/:user":           orgAScope,
	"POST /groups/:id/members/:user/remove":    orgAScope,
	"GET /groups/:id/invitations":              chairing,
	"POST /groups/:id/invitations":             chairing,
	"POST /groups/:id/invitations/:inv/revoke": steer(signIn, hidden, hidden, hidden, hidden, allow, hidden, allow, hidden, allow, hidden), // someone else's invitation does not exist
	"POST /groups/:id/meetings":                steer(signIn, deny, deny, deny, deny, allow, deny, allow, deny, allow, deny),
	"GET /groups/:id/register":                 seesGroup,
	"GET /groups/:id/actions.csv":              seesGroup,
	"GET /groups/:id/actions.json":             seesGroup,
	"GET /groups/:id/actions.md":               seesGroup,
	"GET /groups/:id/decisions.csv":            seesGroup,
	"GET /groups/:id/decisions.json":           seesGroup,
	"GET /groups/:id/decisions.md":             seesGroup,
	"GET /groups/:id/calendar.ics":             seesGroup,
	"GET /groups/:id/you-said-we-did":          public,
	"GET /forums/:id/you-said-we-did":          public,
	"GET /forums/:id/dashboard":                public,
	"GET /forums/:id/dashboard.csv":            public,
	"GET /groups/:id/dashboard":                seesGroup,
	"GET /groups/:id/dashboard.csv":            seesGroup,
	"GET /meetings/:id":                        seesGroup,
	"GET /meetings/:id/edit":                   chairing,
	"POST /meetings/:id/edit":                  chairing,
	"POST /meetings/:id/status":                chairing,
	"GET /meetings/:id/agenda":                 chairing,
	"GET /meetings/:id/pack":                   seesGroup,
	"GET /meetings/:id/pack.pdf":               seesGroup,
	"POST /meetings/:id/items":                 chairing,
	"POST /meetings/:id/questions":             seesGroup, // the quiet voice: anyone following the meeting
	"POST /meetings/:id/minutes":               chairing,
	"POST /meetings/:id/minutes/sign":          steer(signIn, hidden, deny, deny, hidden, allow, hidden, allow, deny, allow, allow),
	"POST /meetings/:id/minutes/publish":       chairing,
	"POST /meetings/:id/minutes/amend":         chairing,
	"POST /items/:item":                        chairing,
	"POST /items/:item/move":                   chairing,
	"POST /items/:item/remove":                 chairing,
	"POST /items/:item/current":                chairing,
	"POST /items/:item/decisions":              chairing,
	"POST /items/:item/actions":                chairing,
	"POST /questions/:q/moderate":              steer(signIn, hidden, deny, allow, hidden, allow, hidden, allow, allow, allow, deny),
	"POST /questions/:q/support":               seesGroup,
	"POST /questions/:q/take":                  chairing,
	"GET /actions/:id":                         seesGroup,
	"POST /actions/:id":                        steer(signIn, hidden, deny, deny, hidden, allow, hidden, allow, deny, allow, allow),
	"GET /admin":                               adminAny,
	"GET /admin/users":                         adminAny,
	"GET /admin/users/:id":                     orgAResource,
	"POST /admin/users/:id/disable":            adminOnly,
	"POST /admin/users/:id/enable":             adminOnly,
	"POST /admin/users/:id/grants":             orgAScope,
	"POST /admin/users/:id/grants/remove":      orgAScope,
	"POST /admin/users/:id/reset":              adminOnly,
	"GET /admin/invitations":                   adminAny,
	"POST /admin/invitations":                  orgAScope,
	"POST /admin/invitations/:id/revoke":       orgAResource,
	"GET /admin/organisations":                 adminOnly,
	"POST /admin/organisations":                adminOnly,
	"GET /admin/audit":                         adminAny,
	"GET /admin/audit.csv":                     adminAny,
	"GET /admin/audit.json":                    adminAny,
	"GET /admin/erasure":                       adminOnly,
	"POST /admin/erasure/:id/carry-out":        adminOnly,
	"POST /admin/erasure/:id/refuse":           adminOnly,
}

func TestPermissionTable(t *testing.T) {
	e := newEnv(t)
	admin, adminSecret := e.setupAdmin()
	ctx := context.Background()
	by := principalFor(t, e, "ada@example.org")
	orgA, err := e.Accounts.CreateOrganisation(ctx, by, "Organisation A")
	if err != nil {
		t.Fatal(err)
	}
	orgB, err := e.Accounts.CreateOrganisation(ctx, by, "Organisation B")
	if err != nil {
		t.Fatal(err)
	}
	add := func(email string, role account.Role, sc account.Scope) *account.User {
		u, err := e.Accounts.AddUser(ctx, nil, account.NewUser{Email: email, Name: email, Password: "password " + email}, role, sc)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	add("a@example.org", account.RoleOrgAdmin, account.OrganisationScope(orgA.ID))
	add("b@example.org", account.RoleOrgAdmin, account.OrganisationScope(orgB.ID))

	// Forum A (organisation A) takes anonymous issues and lets only members
	// support; forum B belongs to organisation B.
	forumA, err := e.Forums.CreateForum(ctx, by, forum.ForumSettings{OrgID: orgA.ID, Name: "Forum A", AllowAnonymous: true, OpenJoin: true})
	if err != nil {
		t.Fatal(err)
	}
	forumE, err := e.Forums.CreateForum(ctx, by, forum.ForumSettings{OrgID: orgA.ID, Name: "Forum A to edit"})
	if err != nil {
		t.Fatal(err)
	}
	forumB, err := e.Forums.CreateForum(ctx, by, forum.ForumSettings{OrgID: orgB.ID, Name: "Forum B", OpenJoin: true})
	if err != nil {
		t.Fatal(err)
	}
	plain := func(email string) *account.Principal {
		u := &account.User{ID: secret.NewID(), Email: email, Name: email, PasswordHash: secret.HashPassword("password " + email), CreatedAt: time.Now()}
		if err := e.Store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		return &account.Principal{User: u}
	}
	joinAs := func(f *forum.Forum, email string, role forum.Role) *account.Principal {
		p := plain(email)
		if _, err := e.Forums.Join(ctx, p, f.ID, "Name of "+email); err != nil {
			t.Fatal(err)
		}
		if role != forum.RoleMember {
			if err := e.Forums.SetRole(ctx, by, f.ID, p.User.ID, role); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	plain("m@example.org")
	fm := joinAs(forumA, "fm@example.org", forum.RoleMember)
	joinAs(forumA, "fac@example.org", forum.RoleFacilitator)
	joinAs(forumB, "ofac@example.org", forum.RoleFacilitator)
	leadP := plain("lead@example.org")
	settings := forumA.Settings()
	settings.SafeguardingLeadID = leadP.User.ID
	if forumA, err = e.Forums.UpdateForum(ctx, by, forumA.ID, settings); err != nil {
		t.Fatal(err)
	}

	// Steering group A: organisation A's, linked to forum A, with a chair
	// and a parent carer representative; meetings in progress, so that every
	// meeting route has something to act on.
	groupA, err := e.Steering.CreateGroup(ctx, by, steering.GroupSettings{OrgID: orgA.ID, Name: "Group A", ForumIDs: []string{forumA.ID}}, "")
	if err != nil {
		t.Fatal(err)
	}
	groupE, err := e.Steering.CreateGroup(ctx, by, steering.GroupSettings{OrgID: orgA.ID, Name: "Group A to edit", ForumIDs: []string{forumA.ID}}, "")
	if err != nil {
		t.Fatal(err)
	}
	seat := func(email string, role steering.Role) *account.Principal {
		p := plain(email)
		if _, err := e.Steering.AddMember(ctx, by, groupA.ID, p.User.ID, "", role, steering.OrgICB); err != nil {
			t.Fatal(err)
		}
		return p
	}
	chairP := seat("chair@example.org", steering.RoleChair)
	seat("rep@example.org", steering.RoleParentRep)
	agendaIssue, err := e.Forums.RaiseIssue(ctx, forum.Viewer{Principal: fm}, forumA.ID, forum.Draft{Title: "For the agenda", Body: "Text"})
	if err != nil {
		t.Fatal(err)
	}
	meetingInProgress := func() *steering.Meeting {
		m, err := e.Steering.CreateMeeting(ctx, chairP, groupA.ID, steering.MeetingSettings{Title: "Meeting", StartsAt: time.Now()}, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range []steering.MeetingStatus{steering.MeetingPublished, steering.MeetingInProgress} {
			if err := e.Steering.SetMeetingStatus(ctx, chairP, m.ID, st); err != nil {
				t.Fatal(err)
			}
		}
		return m
	}
	issueItem := func() *steering.Item {
		it, err := e.Steering.AddItem(ctx, chairP, meetingInProgress().ID, steering.ItemSettings{Kind: steering.ItemIssue, IssueID: agendaIssue.Issue.ID})
		if err != nil {
			t.Fatal(err)
		}
		return it
	}

	emails := map[string]string{member: "m@example.org", orgAdmin: "a@example.org", otherOrg: "b@example.org",
		forumMember: "fm@example.org", facilitator: "fac@example.org", otherFac: "ofac@example.org", lead: "lead@example.org",
		chair: "chair@example.org", parentRep: "rep@example.org"}
	clients := map[string]*client{visitor: e.client(), installer: admin}
	secrets := map[string]string{}
	signInAs := func(role string) {
		switch role {
		case visitor:
			clients[role] = e.client()
		case installer:
			clients[role] = e.client()
			clients[role].signIn("ada@example.org", "long enough pw", adminSecret)
		default:
			clients[role] = e.client()
			if sec := clients[role].signIn(emails[role], "password "+emails[role], secrets[role]); sec != "" {
				secrets[role] = sec
			}
		}
	}
	for role := range emails {
		signInAs(role)
	}
	assetPath := regexp.MustCompile(`/static/(app\.[0-9a-f]+\.css)`).FindStringSubmatch(admin.get("/account").Body)[1]
	n := 0

	for _, r := range e.Server.Routes() {
		key := r.Method + " " + r.Path
		want, ok := permissions[key]
		if !ok {
			t.Errorf("route %s has no entry in the permission table", key)
			continue
		}
		for _, role := range roles {
			t.Run(strings.ReplaceAll(key, "/", "_")+"/"+role, func(t *testing.T) {
				// Each request uses fresh resources so earlier ones cannot hide a refusal.
				id, issueID, userID := "", "", fm.User.ID
				switch {
				case strings.HasPrefix(r.Path, "/groups/:id/members/:user"):
					n++
					id, userID = groupA.ID, seat(fmt.Sprintf("seat%d@example.org", n), steering.RoleMember).User.ID
				case strings.HasPrefix(r.Path, "/groups/:id/edit"):
					id = groupE.ID // editing unlinks the forum the other routes rely on
				case strings.HasPrefix(r.Path, "/groups/:id"):
					id = groupA.ID
				case strings.HasPrefix(r.Path, "/meetings/:id"):
					id = meetingInProgress().ID
				case strings.HasPrefix(r.Path, "/items/:item"):
					id = issueItem().ID
				case strings.HasPrefix(r.Path, "/questions/:q"):
					m := meetingInProgress()
					q, err := e.Steering.Ask(ctx, chairP, m.ID, "", "A question", "")
					if err != nil {
						t.Fatal(err)
					}
					if err := e.Steering.ModerateQuestion(ctx, chairP, q.ID, steering.QuestionApproved); err != nil {
						t.Fatal(err)
					}
					id = q.ID
				case strings.HasPrefix(r.Path, "/actions/:id"):
					a, err := e.Steering.AddAction(ctx, chairP, issueItem().ID, steering.ActionSettings{Description: "Do it", Owner: "Someone"}, "")
					if err != nil {
						t.Fatal(err)
					}
					id = a.ID
				case strings.HasPrefix(r.Path, "/admin/invitations/:id"):
					inv, _, err := e.Accounts.CreateInvitation(ctx, by, account.RoleOrgAdmin, account.OrganisationScope(orgA.ID), "")
					if err != nil {
						t.Fatal(err)
					}
					id = inv.ID
				case strings.HasPrefix(r.Path, "/account/erasure/:id"):
					// The forum member's open request (one at a time).
					mine, err := e.Accounts.MyErasureRequests(ctx, fm)
					if err != nil {
						t.Fatal(err)
					}
					for _, er := range mine {
						if er.Open() {
							id = er.ID
						}
					}
					if id == "" {
						er, err := e.Accounts.RequestErasure(ctx, fm, true)
						if err != nil {
							t.Fatal(err)
						}
						id = er.ID
					}
				case strings.HasPrefix(r.Path, "/admin/erasure/:id"):
					n++
					er, err := e.Accounts.RequestErasure(ctx, plain(fmt.Sprintf("erase%d@example.org", n)), true)
					if err != nil {
						t.Fatal(err)
					}
					id = er.ID
				case strings.HasPrefix(r.Path, "/admin/users/:id"):
					n++
					id = add(fmt.Sprintf("subject%d@example.org", n), account.RoleOrgAdmin, account.OrganisationScope(orgA.ID)).ID
				case strings.HasPrefix(r.Path, "/forums/:id/edit"):
					id = forumE.ID // editing changes settings the other routes rely on
				case strings.HasPrefix(r.Path, "/forums/:id"):
					id = forumA.ID
				case strings.HasPrefix(r.Path, "/comments/:id"):
					raised, err := e.Forums.RaiseIssue(ctx, forum.Viewer{Principal: fm}, forumA.ID, forum.Draft{Title: "An issue", Body: "Text"})
					if err != nil {
						t.Fatal(err)
					}
					cm, err := e.Forums.AddComment(ctx, forum.Viewer{Principal: fm}, raised.Issue.ID, "A comment by the forum member", "")
					if err != nil {
						t.Fatal(err)
					}
					id, issueID = cm.ID, raised.Issue.ID
				case strings.HasPrefix(r.Path, "/notifications/:id"):
					id = "someone-elses" // nobody's own notification: a guessed ID finds nothing
				case strings.HasPrefix(r.Path, "/issues/:id"):
					raised, err := e.Forums.RaiseIssue(ctx, forum.Viewer{Principal: fm}, forumA.ID, forum.Draft{Title: "An issue", Body: "Text"})
					if err != nil {
						t.Fatal(err)
					}
					id = raised.Issue.ID
				}
				invID := ""
				if strings.HasPrefix(r.Path, "/groups/:id/invitations/:inv") {
					inv, _, err := e.Accounts.CreateInvitation(ctx, by, account.Role(steering.RoleMember), steering.GroupScope(groupA.ID), "")
					if err != nil {
						t.Fatal(err)
					}
					invID = inv.ID
				} else if strings.Contains(r.Path, ":inv") {
					inv, _, err := e.Accounts.CreateInvitation(ctx, by, account.Role(forum.RoleMember), forum.ForumScope(forumA.ID), "")
					if err != nil {
						t.Fatal(err)
					}
					invID = inv.ID
				}
				path := strings.NewReplacer(":inv", invID, ":id", id, ":item", id, ":q", id, ":user", userID, ":token", "some-token", ":file", assetPath).Replace(r.Path)
				c := clients[role]
				var res response
				if r.Method == "GET" {
					if issueID != "" {
						path += "?issue=" + issueID
					}
					res = c.get(path)
				} else {
					from := "/account"
					if role == visitor {
						from = "/signin"
					}
					c.get(from)
					form := url.Values{"csrf": {c.csrf(from)}, "role": {"org_admin"}, "organisation": {orgA.ID}, "name": {"X"}, "issue": {issueID}}
					res = c.post(path, form)
				}
				if r.Path == "/exit" || r.Path == "/signout" {
					signInAs(role) // these end the session, as they should
				}
				if got := classify(res); got != want[role] {
					t.Fatalf("%s as %s: %s (status %d, location %q); want %s", key, role, got, res.Status, res.Location, want[role])
				}
			})
		}
	}
	if len(permissions) != len(e.Server.Routes()) {
		t.Errorf("permission table has %d entries for %d routes: remove entries for routes that are gone", len(permissions), len(e.Server.Routes()))
	}
}

func classify(r response) outcome {
	switch {
	case r.Status == 303 && strings.HasPrefix(r.Location, "/signin?"):
		return signIn
	case r.Status == 403 && strings.Contains(r.Body, "Please sign in"):
		return signIn
	case r.Status == 403:
		return deny
	case r.Status == 404:
		return hidden
	}
	return allow
}

func principalFor(t *testing.T, e *env, email string) *account.Principal {
	u, err := e.Store.FindUserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	grants, err := e.Store.ListGrants(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return &account.Principal{User: u, Grants: grants}
}
