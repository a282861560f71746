-----BEGIN DEMO APNS TOKEN KEY-----
DEMO-NOT-A-REAL-KEY
Placeholder for an APNs token signing key (.p8). Not a key.
Point `channels.apns.token_key` at your own AuthKey_XXXXXXXXXX.p8.
-----END DEMO APNS TOKEN KEY-----
