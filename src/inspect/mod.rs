//! JWT decode, issuer discovery, and JWKS fetch, cache and verify.

pub mod discovery;
pub mod jwks;
pub mod jwt;
