-- Files attached to messages: the server's descriptions as JSON
-- ([{"id":..,"filename":..,"content_type":..,"size":..,"width":..,"height":..,"thumbnail":..}]);
-- their bytes are kept, up to a budget, under the account's files directory.
ALTER TABLE messages ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
-- An unsent message's files: [{"name":..,"size":..,"uploaded":Attachment|null}],
-- their bytes under the account's files directory (outbox/CLIENT_ID/N) until
-- the server has the message.
ALTER TABLE outbox ADD COLUMN files TEXT NOT NULL DEFAULT '[]';
