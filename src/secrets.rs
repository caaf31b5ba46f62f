//! Store credentials are encrypted at rest with ChaCha20-Poly1305 under a key kept in
//! the data directory (`secret.key`, created on first start with mode 0600). A copy of
//! the database alone therefore reveals no token; back the key file up separately.

use std::io::Write;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

pub const KEY_FILE: &str = "secret.key";
const NONCE_LEN: usize = 12;

/// What can go wrong with the key or a sealed value. The messages say what to do; the
/// causes stay attached for the log.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("{} is not a Comptoir key (it must hold 32 bytes); restore it from your backup", .0.display())]
    NotAKey(PathBuf),
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// getrandom's error is not a `std::error::Error` here, so its text is kept.
    #[error("this system gives no randomness: {0}")]
    Random(String),
    #[error("encryption failed")]
    Encrypt,
    #[error("cannot encode the value to seal: {0}")]
    Encode(#[source] serde_json::Error),
    #[error("the stored credentials are damaged")]
    Damaged,
    #[error(
        "the stored credentials cannot be decrypted with this data directory's secret.key; reconnect the store"
    )]
    WrongKey,
}

pub struct SecretBox {
    cipher: ChaCha20Poly1305,
}

impl SecretBox {
    pub fn load_or_create(data_dir: &Path) -> Result<Self, SecretError> {
        let path = data_dir.join(KEY_FILE);
        let key = match std::fs::read(&path) {
            Ok(bytes) if bytes.len() == 32 => bytes,
            Ok(_) => return Err(SecretError::NotAKey(path)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_key(&path)?,
            Err(source) => return Err(SecretError::Read { path, source }),
        };
        Ok(Self {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key)),
        })
    }

    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>, SecretError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| SecretError::Random(e.to_string()))?;
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext)
            .map_err(|_| SecretError::Encrypt)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, SecretError> {
        if sealed.len() < NONCE_LEN {
            return Err(SecretError::Damaged);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), body)
            .map_err(|_| SecretError::WrongKey)
    }
}

fn create_key(path: &Path) -> Result<Vec<u8>, SecretError> {
    let mut key = vec![0u8; 32];
    getrandom::fill(&mut key).map_err(|e| SecretError::Random(e.to_string()))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options
        .open(path)
        .and_then(|mut file| file.write_all(&key).and_then(|()| file.sync_all()));
    written.map_err(|source| SecretError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open_with_a_private_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = SecretBox::load_or_create(dir.path()).unwrap();
        let sealed = a.seal(b"shpat_secret").unwrap();
        assert!(!sealed.windows(12).any(|w| w == b"shpat_secret"));
        // The same key file opens it again after a restart.
        let b = SecretBox::load_or_create(dir.path()).unwrap();
        assert_eq!(b.open(&sealed).unwrap(), b"shpat_secret");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Tampering or another key is detected.
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(b.open(&tampered).is_err());
        let other = tempfile::tempdir().unwrap();
        assert!(
            SecretBox::load_or_create(other.path())
                .unwrap()
                .open(&sealed)
                .is_err()
        );
    }
}
