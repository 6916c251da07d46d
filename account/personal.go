package account

import (
	"context"
	"time"
)

// PersonalAccount is what the account domain holds about one person, as a
// data-rights download shows it: never the password hash or the two-step
// sign-in secret, only whether two-step sign-in is on.
type PersonalAccount struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Email     string          `json:"email"`
	Language  string          `json:"language"`
	CreatedAt time.Time       `json:"created_at"`
	Disabled  bool            `json:"disabled"`
	TwoStep   bool            `json:"two_step_sign_in"`
	Roles     []PersonalGrant `json:"roles"`
}

// PersonalGrant is one role the person holds.
type PersonalGrant struct {
	Role      string    `json:"role"`
	Scope     string    `json:"scope"`
	CreatedAt time.Time `json:"granted_at"`
}

// PersonalData returns what the account domain holds about the signed-in
// person.
func (s *Service) PersonalData(ctx context.Context, p *Principal) (*PersonalAccount, error) {
	if p == nil || p.User == nil {
		return nil, ErrForbidden
	}
	u := p.User
	out := &PersonalAccount{ID: u.ID, Name: u.Name, Email: u.Email, Language: u.Language, CreatedAt: u.CreatedAt,
		Disabled: u.Disabled, TwoStep: u.HasMFA(), Roles: []PersonalGrant{}}
	for _, g := range p.Grants {
		out.Roles = append(out.Roles, PersonalGrant{Role: string(g.Role), Scope: g.Scope.String(), CreatedAt: g.CreatedAt})
	}
	return out, nil
}
