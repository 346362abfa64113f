package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tuijin/tuijin/pkg/mongox"
)

// upsert updates the document with id, inserting it if missing. Two
// replicas upserting the same new id at once race on the insert, and the
// loser gets a duplicate-key error (MongoDB and FerretDB alike); the
// document exists by then, so the update is simply applied again.
func upsert(ctx context.Context, coll *mongo.Collection, id string, update bson.D) error {
	filter := bson.D{{Key: "_id", Value: id}}
	_, err := coll.UpdateOne(ctx, filter, update, options.UpdateOne().SetUpsert(true))
	if mongox.IsDuplicateKey(err) {
		_, err = coll.UpdateOne(ctx, filter, update, options.UpdateOne().SetUpsert(true))
	}
	return err
}
