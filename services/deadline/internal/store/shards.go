package store

import (
	"fmt"
	"hash/fnv"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// shards spreads one logical collection over several, by a hash of _id.
// FerretDB v1 answers even an _id equality by a scan in SQL that stops at
// the match (see Timers.day), so a point read costs in proportion to the
// size of its collection; a million deadlines in 64 collections make each
// read scan at most some 16 thousand rows. On MongoDB the shards cost
// nothing: every read still goes by _id.
type shards []*mongo.Collection

func newShards(db *mongo.Database, name string, n int) shards {
	s := make(shards, n)
	for i := range s {
		s[i] = db.Collection(fmt.Sprintf("%s_%02d", name, i))
	}
	return s
}

func (s shards) of(id string) *mongo.Collection {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return s[h.Sum32()%uint32(len(s))]
}
