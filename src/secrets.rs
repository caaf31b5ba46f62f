//! Store credentials are encrypted at rest with ChaCha20-Poly1305 under a key kept in
//! the data directory (`secret.key`, created on first start with mode 0600). A copy of
//! the database alone therefore reveals no token; back the key file up separately.

use std::io::Write;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

pub const KEY_FILE: &str = "secret.key";
const NONCE_LEN: usize = 12;

pub struct SecretBox {
    cipher: ChaCha20Poly1305,
}

impl SecretBox {
    pub fn load_or_create(data_dir: &Path) -> Result<Self, String> {
        let path = data_dir.join(KEY_FILE);
        let key = match std::fs::read(&path) {
            Ok(bytes) if bytes.len() == 32 => bytes,
            Ok(_) => {
                return Err(format!(
                    "{} is not a Comptoir key (it must hold 32 bytes); restore it from your backup",
                    path.display()
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_key(&path)?,
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        Ok(Self {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key)),
        })
    }

    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>, String> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| e.to_string())?;
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext)
            .map_err(|_| "encryption failed".to_string())?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, String> {
        if sealed.len() < NONCE_LEN {
            return Err("the stored credentials are damaged".into());
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        self.cipher.decrypt(Nonce::from_slice(nonce), body).map_err(|_| {
            "the stored credentials cannot be decrypted with this data directory's secret.key; reconnect the store".to_string()
        })
    }
}

fn create_key(path: &Path) -> Result<Vec<u8>, String> {
    let mut key = vec![0u8; 32];
    getrandom::fill(&mut key).map_err(|e| e.to_string())?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    file.write_all(&key)
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
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
