package locales_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"chorus/forum"
	"chorus/locales"
	"chorus/notify"

	"github.com/BurntSushi/toml"
)

// messages reads a language's files into message ID → forms ("other",
// "one", ...). An ID in two files of one language is an error.
func messages(t *testing.T, tag string) map[string]map[string]string {
	t.Helper()
	names, err := locales.Files(tag)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, name := range names {
		readMessages(t, name, out)
	}
	return out
}

func readMessages(t *testing.T, tag string, out map[string]map[string]string) {
	t.Helper()
	b, err := locales.File(tag)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := toml.Unmarshal(b, &raw); err != nil {
		t.Fatalf("%s: %v", tag, err)
	}
	for id, v := range raw {
		if _, dup := out[id]; dup {
			t.Fatalf("%s: %s is already in another file", tag, id)
		}
		switch v := v.(type) {
		case string:
			out[id] = map[string]string{"other": v}
		case map[string]any:
			forms := map[string]string{}
			for k, f := range v {
				s, ok := f.(string)
				if !ok {
					t.Fatalf("%s: %s.%s is not text", tag, id, k)
				}
				forms[k] = s
			}
			out[id] = forms
		default:
			t.Fatalf("%s: %s has an unexpected type %T", tag, id, v)
		}
	}
}

var placeholderRe = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholderRe.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestLocalesComplete: every language, and the Easy Read English message set
// ("easy", not a language), has every English message, no extras, and the
// same placeholders in every form.
func TestLocalesComplete(t *testing.T) {
	en := messages(t, "en")
	for _, l := range slices.Concat(locales.Languages[1:], []locales.Language{{Tag: "easy"}}) {
		t.Run(l.Tag, func(t *testing.T) {
			other := messages(t, l.Tag)
			for id, forms := range en {
				got, ok := other[id]
				if !ok {
					t.Errorf("%s lacks %q", l.Tag, id)
					continue
				}
				want := placeholders(forms["other"])
				for form, text := range got {
					if strings.TrimSpace(text) == "" {
						t.Errorf("%s %q (%s) is empty", l.Tag, id, form)
					}
					if p := placeholders(text); !slices.Equal(p, want) && !(form != "other" && len(p) < len(want)) {
						t.Errorf("%s %q (%s) has placeholders %v; English has %v", l.Tag, id, form, p, want)
					}
				}
				if _, ok := got["other"]; !ok {
					t.Errorf("%s %q has no 'other' form", l.Tag, id)
				}
			}
			for id := range other {
				if _, ok := en[id]; !ok {
					t.Errorf("%s has %q, which English does not", l.Tag, id)
				}
			}
		})
	}
	if _, err := locales.Bundle(); err != nil {
		t.Fatal(err)
	}
}

// messageFuncs are the calls whose string arguments are message IDs.
var messageFuncs = map[string]bool{"New": true, "InvalidField": true, "M": true, "N": true, "Has": false,
	"flash": true, "page": true, "adminPage": true, "backToIssue": true, "userAction": true}

var idRe = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)

var templateIDRe = regexp.MustCompile(`\.T\.[MN]\s+"([^"]+)"`)

// dynamicIDs are built at run time from a prefix and a value.
var dynamicIDs = []string{"month.january", "month.february", "month.march", "month.april", "month.may", "month.june",
	"month.july", "month.august", "month.september", "month.october", "month.november", "month.december"}

// usedIDs finds every message ID used in Go code and templates.
func usedIDs(t *testing.T) map[string]string {
	t.Helper()
	root := ".."
	used := map[string]string{}
	for _, id := range dynamicIDs {
		used[id] = "date formatting"
	}
	// Templates build these from the forum's own values.
	for _, st := range forum.Statuses {
		used["status."+string(st)] = "status names"
	}
	for _, a := range []forum.Actor{forum.ActorSystem, forum.ActorSubmitter, forum.ActorMember, forum.ActorFacilitator, forum.ActorSteering} {
		used["actor."+string(a)] = "timeline actors"
	}
	for _, k := range forum.EventKinds {
		used["timeline."+string(k)] = "timeline events"
	}
	for _, k := range forum.NoticeKinds {
		if k != forum.NoticeStatus {
			used["notifications."+string(k)] = "notification kinds"
		}
	}
	for _, k := range forum.NoticeKinds {
		used["notify.kind."+string(k)] = "notification settings"
	}
	for _, f := range notify.Frequencies {
		used["notify.frequency."+string(f)] = "notification settings"
	}
	for _, r := range forum.ReportReasons {
		used["report.reason."+string(r)] = "report reasons"
	}
	for _, a := range forum.Actions {
		used["moderation.action."+string(a)] = "moderation actions"
	}
	for _, tab := range forum.QueueTabs {
		used["moderation.tab."+string(tab)] = "moderation queue tabs"
		used["moderation.tab."+string(tab)+".hint"] = "moderation queue tabs"
	}
	for _, r := range []forum.Role{forum.RoleMember, forum.RoleFacilitator} {
		used["forum.role."+string(r)] = "forum roles"
	}
	for _, k := range forum.IdentifyingKinds {
		used["identifying."+string(k)] = "identifying-details check"
	}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "node_modules" || name == "testdata" || (strings.HasPrefix(name, ".") && name != "..") {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go"):
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				var name string
				switch fn := call.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				}
				if !messageFuncs[name] {
					return true
				}
				for _, a := range call.Args {
					if lit, ok := a.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						if s, err := strconv.Unquote(lit.Value); err == nil && idRe.MatchString(s) {
							used[s] = fset.Position(lit.Pos()).String()
						}
					}
				}
				return true
			})
		case strings.HasSuffix(path, ".html"):
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range templateIDRe.FindAllStringSubmatch(string(b), -1) {
				used[m[1]] = path
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return used
}

// TestUsedMessagesExist: every message ID used in code or templates exists
// in every locale.
func TestUsedMessagesExist(t *testing.T) {
	used := usedIDs(t)
	if len(used) < 100 {
		t.Fatalf("found only %d message IDs in use: is the scan broken?", len(used))
	}
	for _, l := range locales.Languages {
		msgs := messages(t, l.Tag)
		for id, where := range used {
			if _, ok := msgs[id]; !ok {
				t.Errorf("%s.toml lacks %q, used at %s", l.Tag, id, where)
			}
		}
	}
}
