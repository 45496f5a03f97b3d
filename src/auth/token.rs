//! Signing and verifying operator tokens (HS256 JWT).

use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The role every operator token carries.
pub const OPERATOR_ROLE: &str = "admin";

/// Token lifetime: 12 hours.
pub const TOKEN_TTL_SECS: i64 = 12 * 60 * 60;

/// Claims of an operator token.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    /// Subject: the operator account (one shared account for now).
    pub sub: String,
    /// Role, `admin` for operators.
    pub role: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
}

/// The keys derived from `JWT_SECRET`.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl TokenKeys {
    /// Keys for a secret.
    pub fn new(secret: &str) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
        }
    }

    /// Signs a token for `role` valid from `now` for 12 hours.
    pub fn issue(
        &self,
        role: &str,
        now: DateTime<Utc>,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let iat = now.timestamp();
        let claims = Claims {
            sub: "operator".to_owned(),
            role: role.to_owned(),
            iat,
            exp: iat + TOKEN_TTL_SECS,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// Verifies signature and algorithm, and expiry against `now` (the server clock).
    pub fn verify(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Claims, jsonwebtoken::errors::Error> {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked against our clock below, so a fixed test clock works too.
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        let claims = decode::<Claims>(token, &self.decoding, &validation)?.claims;
        if claims.exp <= now.timestamp() {
            return Err(jsonwebtoken::errors::ErrorKind::ExpiredSignature.into());
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-01T14:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn an_issued_token_verifies_until_it_expires() {
        let keys = TokenKeys::new("a-test-secret-of-enough-length-123456");
        let token = keys.issue(OPERATOR_ROLE, now()).unwrap();
        let claims = keys.verify(&token, now()).unwrap();
        assert_eq!(claims.role, "admin");
        assert!(keys
            .verify(&token, now() + chrono::Duration::hours(13))
            .is_err());
    }

    #[test]
    fn a_token_signed_with_another_secret_is_rejected() {
        let token = TokenKeys::new("secret-one-secret-one-secret-one-1")
            .issue(OPERATOR_ROLE, now())
            .unwrap();
        assert!(TokenKeys::new("secret-two-secret-two-secret-two-2")
            .verify(&token, now())
            .is_err());
    }
}
