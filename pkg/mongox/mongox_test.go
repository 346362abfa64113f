package mongox_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/pkg/testenv"
)

func TestIndexName(t *testing.T) {
	cases := []struct {
		model mongo.IndexModel
		want  string
	}{
		{mongo.IndexModel{Keys: bson.D{{Key: "a", Value: 1}}}, "a_1"},
		{mongo.IndexModel{Keys: bson.D{{Key: "items.department", Value: 1}, {Key: "due", Value: -1}}}, "items.department_1_due_-1"},
		{mongo.IndexModel{Keys: bson.D{{Key: "a", Value: 1}}, Options: options.Index().SetName("by_a")}, "by_a"},
		{mongo.IndexModel{Keys: bson.D{{Key: "a", Value: 1}}, Options: options.Index().SetUnique(true)}, "a_1"},
	}
	for _, c := range cases {
		if got := mongox.IndexName(c.model); got != c.want {
			t.Errorf("IndexName(%v) = %q, want %q", c.model.Keys, got, c.want)
		}
	}
}

// A service restarting on a database with data declares its indexes again;
// that must succeed and leave one index per declaration.
func TestEnsureIndexesIsRepeatable(t *testing.T) {
	ctx := context.Background()
	coll := testenv.Mongo(t).Database("mongox_test").Collection("projects")
	models := []mongo.IndexModel{
		{Keys: bson.D{{Key: "items.department", Value: 1}, {Key: "items.status", Value: 1}}},
		{Keys: bson.D{{Key: "code", Value: 1}}, Options: options.Index().SetUnique(true).SetName("by_code")},
	}
	if err := mongox.EnsureIndexes(ctx, coll, models...); err != nil {
		t.Fatal(err)
	}
	docs := []any{
		bson.D{{Key: "code", Value: "a"}, {Key: "items", Value: bson.A{bson.D{{Key: "department", Value: "fgw"}, {Key: "status", Value: "assigned"}}}}},
		bson.D{{Key: "code", Value: "b"}, {Key: "items", Value: bson.A{bson.D{{Key: "department", Value: "zrzy"}, {Key: "status", Value: "waiting"}}}}},
	}
	if _, err := coll.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := mongox.EnsureIndexes(ctx, coll, models...); err != nil {
			t.Fatalf("second declaration on a non-empty collection: %v", err)
		}
	}
	specs, err := coll.Indexes().ListSpecifications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, s := range specs {
		names[s.Name] = true
	}
	if len(specs) != 3 || !names["_id_"] || !names["items.department_1_items.status_1"] || !names["by_code"] {
		t.Fatalf("indexes %v, want _id_, items.department_1_items.status_1, by_code", names)
	}
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "code", Value: "a"}}); !mongox.IsDuplicateKey(err) {
		t.Fatalf("duplicate code inserted: %v", err)
	}
}
