//! AWS WAF's lenient JSON body parser (`JsonBody`).
