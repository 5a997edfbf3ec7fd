-- Every change to who may do what (a token, a user, a role grant) is announced on the channel
-- `access_changed`, whoever makes it (an API process, the admin command, psql): the API processes
-- empty their cache of who a token is on it (api/principal-cache.ts).
CREATE FUNCTION notify_access_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('access_changed', TG_TABLE_NAME);
  RETURN NULL;
END
$$;

CREATE TRIGGER api_token_access_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "api_token"
  FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();
CREATE TRIGGER role_grant_access_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "role_grant"
  FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();
CREATE TRIGGER app_user_access_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "app_user"
  FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();
