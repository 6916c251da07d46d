package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/secret"
)

// demo fills an empty store with a demonstration region: organisations and
// the people who run them. Later features add their own demonstration data
// (forums, issues, steering groups) here.
func (a *app) demo(ctx context.Context, stdout io.Writer) error {
	users, err := a.store.ListUsers(ctx)
	if err != nil {
		return err
	}
	orgs, err := a.store.ListOrganisations(ctx)
	if err != nil {
		return err
	}
	if len(users) > 0 || len(orgs) > 0 {
		return errors.New("demo: the store is not empty; demo data goes only into a new installation")
	}
	password := "demo-" + secret.NewID()
	admin, err := a.accounts.AddUser(ctx, nil, account.NewUser{Email: "admin@demo.chorus.invalid", Name: "Demo Administrator", Password: password}, account.RoleAdmin, account.Installation)
	if err != nil {
		return err
	}
	by := &account.Principal{User: admin, Grants: []account.Grant{{UserID: admin.ID, Role: account.RoleAdmin, Scope: account.Installation}}}
	regions := []struct {
		name   string
		admins []account.NewUser
	}{
		{"Leicester, Leicestershire and Rutland", []account.NewUser{{Email: "priya.shah@demo.chorus.invalid", Name: "Priya Shah"}}},
		{"Bristol, North Somerset and South Gloucestershire", []account.NewUser{{Email: "tom.okafor@demo.chorus.invalid", Name: "Tom Okafor"}}},
	}
	fmt.Fprintln(stdout, "Demonstration region created. Every demo account's password is:", password)
	fmt.Fprintln(stdout, "  admin@demo.chorus.invalid (installation administrator; sets up two-step sign-in at first sign-in)")
	var orgIDs []string
	for _, r := range regions {
		org, err := a.accounts.CreateOrganisation(ctx, by, r.name)
		if err != nil {
			return err
		}
		orgIDs = append(orgIDs, org.ID)
		for _, n := range r.admins {
			n.Password = password
			if _, err := a.accounts.AddUser(ctx, by, n, account.RoleOrgAdmin, account.OrganisationScope(org.ID)); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "  %s (administrator for %s)\n", n.Email, r.name)
		}
	}
	return a.demoForums(ctx, stdout, by, orgIDs[0], password)
}

// demoForums adds three forums of the first region with members, a
// facilitator, issues, supports, comments and an anonymous issue.
func (a *app) demoForums(ctx context.Context, stdout io.Writer, by *account.Principal, orgID, password string) error {
	themes := []string{"Referrals and the Dynamic Support Register", "Keyworker contact", "School and transport", "Respite and short breaks", "Crisis support"}
	var forums []*forum.Forum
	for _, f := range []forum.ForumSettings{
		{Name: "Leicester Parent Carer Forum", Area: "Leicester city", Description: "Parents and carers of autistic children and children with a learning disability in Leicester.",
			Languages: []string{"en", "ur"}, AllowAnonymous: true, OpenJoin: true, ResponseTargetDays: 28, Themes: themes},
		{Name: "Leicestershire Family Voice", Area: "Leicestershire", Description: "The county's parent carer forum.",
			Languages: []string{"en"}, AllowAnonymous: true, OpenJoin: true, PreModerate: true, ResponseTargetDays: 28, Themes: themes},
		{Name: "Rutland Parent Carer Voice", Area: "Rutland", Description: "A small forum that meets monthly in Oakham.",
			Languages: []string{"en"}, AllowAnonymous: true, OpenJoin: true, VisitorSupport: true, ResponseTargetDays: 21, Themes: themes},
	} {
		f.OrgID = orgID
		created, err := a.forums.CreateForum(ctx, by, f)
		if err != nil {
			return err
		}
		forums = append(forums, created)
	}
	people := []struct{ email, name, display string }{
		{"fiona.clarke@demo.chorus.invalid", "Fiona Clarke", "Fiona (facilitator)"},
		{"amina.begum@demo.chorus.invalid", "Amina Begum", "Amina"},
		{"dan.wright@demo.chorus.invalid", "Dan Wright", "Dan, Theo's dad"},
		{"grace.osei@demo.chorus.invalid", "Grace Osei", "Grace O"},
		{"kasia.nowak@demo.chorus.invalid", "Kasia Nowak", "Kasia"},
	}
	var members []*account.Principal
	for i, pp := range people {
		u, err := a.accounts.AddPlainUser(ctx, account.NewUser{Email: pp.email, Name: pp.name, Password: password})
		if err != nil {
			return err
		}
		p := &account.Principal{User: u}
		members = append(members, p)
		if _, err := a.forums.Join(ctx, p, forums[0].ID, pp.display); err != nil {
			return err
		}
		if i == 0 {
			if err := a.forums.SetRole(ctx, by, forums[0].ID, u.ID, forum.RoleFacilitator); err != nil {
				return err
			}
		}
		fmt.Fprintf(stdout, "  %s (%s in %s)\n", pp.email, map[bool]string{true: "facilitator", false: "member"}[i == 0], forums[0].Name)
	}
	issues := []struct {
		by       int
		title    string
		body     string
		theme    string
		supports int
		comment  string
	}{
		{1, "Months waiting to hear about a Dynamic Support Register referral",
			"We were told our son would be referred to the **Dynamic Support Register** in the spring. Nobody has told us whether it happened.\n\n- Who decides?\n- How long should it take?", themes[0], 4,
			"Same for us. We only found out by asking the school nurse."},
		{2, "Keyworker changed three times in a year",
			"Each new keyworker has to learn our daughter's needs from scratch. Could families be told before a change, and meet the new keyworker first?", themes[1], 3,
			"Continuity matters so much for our children. A handover visit would help."},
		{3, "School transport drivers do not know about autism",
			"The taxi to school changes driver often. Some drivers play loud music or talk a lot, and our son arrives too distressed to learn.", themes[2], 2, ""},
		{4, "Short breaks stopped without warning",
			"The short breaks service stopped over the summer with a week's notice. We had nothing else in place.", themes[3], 1, ""},
	}
	for _, is := range issues {
		raised, err := a.forums.RaiseIssue(ctx, forum.Viewer{Principal: members[is.by]}, forums[0].ID, forum.Draft{Title: is.title, Body: is.body, Themes: []string{is.theme}, Lang: "en"})
		if err != nil {
			return err
		}
		for k := 0; k < is.supports && k < len(members); k++ {
			if k == is.by {
				continue
			}
			if _, err := a.forums.Support(ctx, forum.Viewer{Principal: members[k]}, raised.Issue.ID); err != nil {
				return err
			}
		}
		if is.comment != "" {
			if _, err := a.forums.AddComment(ctx, forum.Viewer{Principal: members[(is.by+1)%len(members)]}, raised.Issue.ID, is.comment, ""); err != nil {
				return err
			}
		}
	}
	anon, err := a.forums.RaiseIssue(ctx, forum.Viewer{}, forums[0].ID, forum.Draft{Anonymous: true, Lang: "ur",
		Title: "بحران کے وقت رات کو کوئی مدد نہیں ملتی",
		Body:  "جب ہمارے بیٹے کو رات کو بحران ہوتا ہے تو کرائسس لائن پر کوئی جواب نہیں دیتا۔ ہمیں ڈر ہے کہ اگر ہم شکایت کریں تو خدمات پر اثر پڑے گا۔", Themes: []string{themes[4]}})
	if err != nil {
		return err
	}
	fac := forum.Viewer{Principal: members[0]}
	if err := a.forums.Ask(ctx, fac, anon.Issue.ID, "Thank you for telling us. Is this the crisis line for children, or the adult line?", ""); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nAn anonymous issue was raised in %s. Its follow-up code (open /follow-up) is:\n\n    %s\n\n", forums[0].Name, forum.FormatCode(anon.Code))
	return nil
}
