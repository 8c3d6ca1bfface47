-- 010: sign-in throttling (登录限制). Failed sign-ins counted per account name (whether or
-- not the account exists, so a lockout says nothing about which names are real) and per
-- client address; past the limit the key is locked until locked_until.
CREATE TABLE sign_in_failures (
    kind VARCHAR NOT NULL,          -- 'account' or 'address'
    "key" VARCHAR NOT NULL,         -- the account name as typed (trimmed) or the address
    failures INTEGER NOT NULL,
    first_at TIMESTAMP NOT NULL,    -- start of the counting window
    locked_until TIMESTAMP,         -- NULL: not locked
    PRIMARY KEY (kind, "key")
);
