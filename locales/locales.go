// Package locales holds Chorus's interface messages, one go-i18n file per
// language, embedded in the binary. See README.md for how to contribute.
package locales

import (
	"embed"
	"fmt"

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
}

// Languages lists the complete interface languages, English first: it is the
// fallback for anything missing.
var Languages = []Language{
	{Tag: "en", Name: "English", Dir: "ltr"},
	{Tag: "ur", Name: "اردو", Dir: "rtl"},
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
		if _, err := b.LoadMessageFileFS(files, l.Tag+".toml"); err != nil {
			return nil, fmt.Errorf("load %s messages: %w", l.Tag, err)
		}
	}
	return b, nil
}

// File returns the raw message file of a language (for the coverage test).
func File(tag string) ([]byte, error) { return files.ReadFile(tag + ".toml") }
