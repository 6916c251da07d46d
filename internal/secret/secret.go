// Package secret makes random identifiers and tokens and hashes what must never
// be stored in the clear: passwords, session IDs, invitation and reset tokens.
package secret

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewID returns a random record identifier (80 bits, 16 lower-case characters).
// Identifiers carry no time, unlike MongoDB ObjectIDs.
func NewID() string { return idEncoding.EncodeToString(Bytes(10)) }

// NewToken returns a random bearer token (256 bits, URL-safe).
func NewToken() string { return base64.RawURLEncoding.EncodeToString(Bytes(32)) }

// Bytes returns n random bytes; it panics if the system's random source fails,
// which Go documents as never happening on supported platforms.
func Bytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("secret: random source failed: %v", err))
	}
	return b
}

// HashToken returns the SHA-256 of a high-entropy token, hex encoded. It is how
// session IDs, invitation and reset tokens are stored: a database reader cannot
// use what it sees.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Sign returns an HMAC-SHA256 of msg under key, URL-safe base64.
func Sign(key []byte, msg string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Verify reports whether sig is Sign(key, msg), in constant time.
func Verify(key []byte, msg, sig string) bool {
	return subtle.ConstantTimeCompare([]byte(Sign(key, msg)), []byte(sig)) == 1
}

// Argon2id parameters: above OWASP's minimum (t=2, m=19 MiB, p=1).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an argon2id hash of a low-entropy secret (a password or
// a follow-up code) in the PHC string format.
func HashPassword(password string) string {
	salt := Bytes(16)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

var errBadHash = errors.New("secret: malformed argon2id hash")

// CheckPassword reports whether password matches hash (from HashPassword).
func CheckPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, errBadHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// DummyCheck spends the time of one password check, so that a sign-in for an
// unknown account takes as long as one for a known account.
func DummyCheck(password string) {
	argon2.IDKey([]byte(password), dummySalt, argonTime, argonMemory, argonThreads, argonKeyLen)
}

var dummySalt = Bytes(16)
