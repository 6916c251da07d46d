package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"chorus/account"
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
	for _, r := range regions {
		org, err := a.accounts.CreateOrganisation(ctx, by, r.name)
		if err != nil {
			return err
		}
		for _, n := range r.admins {
			n.Password = password
			if _, err := a.accounts.AddUser(ctx, by, n, account.RoleOrgAdmin, account.OrganisationScope(org.ID)); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "  %s (administrator for %s)\n", n.Email, r.name)
		}
	}
	return nil
}
