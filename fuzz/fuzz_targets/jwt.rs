//! `inspect::jwt::decode` and `peek_claims` on arbitrary text.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tokentop::inspect::jwt::{JwtError, decode, peek_claims};

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let decoded = decode(token);
    assert_eq!(
        peek_claims(token),
        decoded.clone().map(|(_, claims)| claims)
    );
    match &decoded {
        Ok(_) => {
            // The signature segment is never read when decoding.
            let parts: Vec<&str> = token.trim().split('.').collect();
            assert_eq!(parts.len(), 3);
            let resigned = format!("{}.{}.sig", parts[0], parts[1]);
            assert_eq!(decode(&resigned), decoded);
        }
        Err(e) => {
            // Never echoes the token: one of three short fixed sentences.
            let message = e.to_string();
            assert!(message.starts_with("not a JWT: "), "{message}");
            assert!(message.is_ascii() && message.len() < 80, "{message}");
            if let JwtError::Shape(n) = e {
                assert_ne!(*n, 3);
                assert_eq!(*n, token.trim().split('.').count());
            }
        }
    }
});
