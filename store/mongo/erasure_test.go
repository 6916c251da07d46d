package mongo_test

import (
	"testing"

	"chorus/store/storetest"
)

func TestErasureContract(t *testing.T) {
	storetest.RunErasure(t, func(t *testing.T) storetest.ErasureStore { return MustOpen(t) })
}
