-- OpenID Connect sign-in: the identity provider's stable claim for a person, and tokens that end with
-- the web session they were issued for.
ALTER TABLE "app_user" ADD COLUMN "sign_in_subject" TEXT;
CREATE UNIQUE INDEX "app_user_sign_in_subject_key" ON "app_user"("sign_in_subject");
ALTER TABLE "api_token" ADD COLUMN "expires_at" TIMESTAMPTZ(3);
