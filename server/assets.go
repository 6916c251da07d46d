package server

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
	"strings"

	"chorus/static"

	"github.com/gofiber/fiber/v2"
)

// assets serves the embedded static files under content-hashed names
// (app.3f2a9c1b.css), so they can be cached for a year and a change gets a
// new URL.
type assets struct {
	byHashed map[string]asset  // "app.3f2a9c1b.css" → file
	urls     map[string]string // "app.css" → "/static/app.3f2a9c1b.css"
}

type asset struct {
	body        []byte
	contentType string
}

func loadAssets() (*assets, error) {
	a := &assets{byHashed: map[string]asset{}, urls: map[string]string{}}
	err := fs.WalkDir(static.Files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := static.Files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(p)
		hashed := strings.TrimSuffix(p, ext) + "." + hex.EncodeToString(sum[:])[:12] + ext
		a.byHashed[hashed] = asset{body: body, contentType: mime.TypeByExtension(ext)}
		a.urls[p] = "/static/" + hashed
		return nil
	})
	return a, err
}

// url returns the hashed URL of a static file, for templates.
func (a *assets) url(name string) string { return a.urls[name] }

func (s *Server) handleStatic(c *fiber.Ctx) error {
	f, ok := s.assets.byHashed[c.Params("file")]
	if !ok {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	c.Set(fiber.HeaderContentType, f.contentType)
	return c.Send(f.body)
}
