package secret

import (
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	h := HashPassword("correct horse battery staple")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("unexpected hash format %q", h)
	}
	t.Run("OK", func(t *testing.T) {
		ok, err := CheckPassword(h, "correct horse battery staple")
		if err != nil || !ok {
			t.Fatalf("CheckPassword = %v, %v; want true", ok, err)
		}
	})
	t.Run("WrongPassword", func(t *testing.T) {
		ok, err := CheckPassword(h, "correct horse battery stapl")
		if err != nil || ok {
			t.Fatalf("CheckPassword = %v, %v; want false", ok, err)
		}
	})
	t.Run("ErrMalformed", func(t *testing.T) {
		if _, err := CheckPassword("$argon2id$junk", "x"); err == nil {
			t.Fatal("want an error for a malformed hash")
		}
	})
	if HashPassword("same") == HashPassword("same") {
		t.Fatal("hashes of one password must differ by salt")
	}
}

func TestIDsAndTokensAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id, tok := NewID(), NewToken()
		if len(id) != 16 || len(tok) != 43 || seen[id] || seen[tok] {
			t.Fatalf("bad or repeated id %q / token %q", id, tok)
		}
		seen[id], seen[tok] = true, true
	}
}

func TestSignVerify(t *testing.T) {
	key := []byte("k")
	sig := Sign(key, "msg")
	if !Verify(key, "msg", sig) || Verify(key, "msg2", sig) || Verify([]byte("other"), "msg", sig) {
		t.Fatal("Verify accepted a wrong signature or refused the right one")
	}
}
