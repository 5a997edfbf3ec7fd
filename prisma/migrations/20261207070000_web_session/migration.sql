-- Web sessions (connect-pg-simple's table, as its own table.sql creates it): who is signed in, and
-- until when. The web pages keep nothing else server-side.
CREATE TABLE "session" (
    "sid" VARCHAR NOT NULL,
    "sess" JSON NOT NULL,
    "expire" TIMESTAMP(6) NOT NULL,
    CONSTRAINT "session_pkey" PRIMARY KEY ("sid")
);
CREATE INDEX "IDX_session_expire" ON "session"("expire");
