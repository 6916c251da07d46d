// Package locales holds Chorus's interface messages, one go-i18n file per
// language, embedded in the binary. See README.md for how to contribute.
package locales

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed *.toml
var files embed.FS

// Language is one interface language.
type Language struct {
	Tag  string // BCP 47 tag, also the file name
	Name string // the language's name in itself
	Dir  string // "ltr" or "rtl"
	// SafeguardingReviewed: a native speaker has checked this language's
	// safeguarding help text. Until then the English text is shown beside
	// it, so that nobody in danger depends on an unchecked translation.
	SafeguardingReviewed bool
}

// Languages lists the complete interface languages, English first: it is the
// fallback for anything missing.
var Languages = []Language{
	{Tag: "en", Name: "English", Dir: "ltr", SafeguardingReviewed: true},
	{Tag: "ur", Name: "اردو", Dir: "rtl"},
	{Tag: "pl", Name: "Polski", Dir: "ltr"},
	{Tag: "ro", Name: "Română", Dir: "ltr"},
	{Tag: "pa", Name: "ਪੰਜਾਬੀ", Dir: "ltr"},
	{Tag: "bn", Name: "বাংলা", Dir: "ltr"},
	{Tag: "gu", Name: "ગુજરાતી", Dir: "ltr"},
	{Tag: "ar", Name: "العربية", Dir: "rtl"},
	{Tag: "so", Name: "Soomaali", Dir: "ltr"},
}

// Lookup returns the language with a tag.
func Lookup(tag string) (Language, bool) {
	for _, l := range Languages {
		if l.Tag == tag {
			return l, true
		}
	}
	return Language{}, false
}

// Bundle loads every language's messages.
func Bundle() (*i18n.Bundle, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, l := range Languages {
		names, err := Files(l.Tag)
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			if _, err := b.LoadMessageFileFS(files, name); err != nil {
				return nil, fmt.Errorf("load %s messages: %w", name, err)
			}
		}
	}
	return b, nil
}

// EasyTag names the Easy Read English message set ("easy.toml" and
// "<area>.easy.toml"): short, plain sentences with the same IDs as English.
// It is a message set, not a language, so it is not in Languages.
const EasyTag = "easy"

// EasyBundle loads English and then the Easy Read messages over it, both as
// English. go-i18n's language matcher drops private-use tags such as
// en-x-easy, so Easy Read lives in a bundle of its own; a message it lacks
// (or every message, while no Easy Read file exists) stays plain English.
func EasyBundle() (*i18n.Bundle, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, tag := range []string{"en", EasyTag} {
		names, err := Files(tag)
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			buf, err := files.ReadFile(name)
			if errors.Is(err, fs.ErrNotExist) && tag == EasyTag {
				continue // the Easy Read set may not have every area yet
			}
			if err != nil {
				return nil, fmt.Errorf("read %s messages: %w", name, err)
			}
			// The file name tells go-i18n the language: read every file as English.
			asEnglish := strings.TrimSuffix(name, ".toml") + ".en.toml"
			if tag == "en" {
				asEnglish = name
			}
			if _, err := b.ParseMessageFileBytes(buf, asEnglish); err != nil {
				return nil, fmt.Errorf("load %s messages: %w", name, err)
			}
		}
	}
	return b, nil
}

// Files names a language's message files: "<tag>.toml", the messages every
// page shares, and "<area>.<tag>.toml", one per part of Chorus, so that the
// parts grow without treading on each other.
func Files(tag string) ([]string, error) {
	names, err := fs.Glob(files, "*."+tag+".toml")
	if err != nil {
		return nil, err
	}
	return append([]string{tag + ".toml"}, names...), nil
}

// File returns the raw text of one message file (for the coverage test).
func File(name string) ([]byte, error) { return files.ReadFile(name) }
