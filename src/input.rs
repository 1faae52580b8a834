//! Reading the files a user names (cases, worlds): regular files of a bounded size only, so that
//! a `world_file = "/dev/zero"` or a FIFO is refused at once instead of reading until memory runs
//! out or waiting forever.

use std::io::Read;
use std::path::Path;

/// The largest file read: far above any case or world (the largest golden is about 40 KB).
pub const MAX_BYTES: u64 = 16 << 20;

/// The bytes of the regular file at `path`, or why it is not read.
pub fn read(path: &Path) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.len() > MAX_BYTES {
        return Err(format!("{} bytes, more than the {MAX_BYTES} read at most", meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The bound holds even for a file that grows while it is read.
    std::fs::File::open(path).and_then(|f| f.take(MAX_BYTES + 1).read_to_end(&mut bytes)).map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(format!("more than the {MAX_BYTES} bytes read at most"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_regular_file_of_bounded_size_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("w.toml");
        std::fs::write(&file, b"[docker]\n").unwrap();
        assert_eq!(read(&file).unwrap(), b"[docker]\n");
        assert_eq!(read(Path::new("/dev/zero")).unwrap_err(), "not a regular file");
        assert_eq!(read(dir.path()).unwrap_err(), "not a regular file");
        let big = dir.path().join("big");
        std::fs::File::create(&big).unwrap().set_len(MAX_BYTES + 1).unwrap();
        assert!(read(&big).unwrap_err().contains("more than the"));
        assert!(read(&dir.path().join("none")).is_err());
    }
}
