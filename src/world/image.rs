//! Docker image references as the fakes read them: `REPOSITORY[:TAG]`, the tag being what follows
//! a `:` in the last `/`-separated part (a registry's port comes before it).

/// The tag `image` names, if it names one.
pub fn tag(image: &str) -> Option<&str> {
    let last = image.rsplit('/').next().unwrap_or(image);
    last.rsplit_once(':').map(|(_, tag)| tag)
}

/// `image` without its tag.
pub fn repository(image: &str) -> &str {
    match tag(image) {
        Some(tag) => &image[..image.len() - tag.len() - 1],
        None => image,
    }
}

/// `image` with its tag: `:latest` where it names none.
pub fn with_tag(image: &str) -> String {
    match tag(image) {
        Some(_) => image.to_string(),
        None => format!("{image}:latest"),
    }
}

/// The id of an image the world gives no id for: 64 hex digits derived from its name with its tag.
pub fn derived_id(image: &str) -> String {
    let tag = with_tag(image);
    (0..4u8).map(|k| format!("{:016x}", super::addr::hash64(&[b"image", tag.as_bytes(), &[k]]))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_is_in_the_last_part() {
        assert_eq!(
            (repository("weaveworks/weave:0.10.0"), tag("weaveworks/weave:0.10.0")),
            ("weaveworks/weave", Some("0.10.0"))
        );
        assert_eq!((repository("host:5000/weave"), tag("host:5000/weave")), ("host:5000/weave", None));
        assert_eq!(with_tag("ubuntu"), "ubuntu:latest");
        assert_eq!(with_tag("host:5000/ubuntu:14.04"), "host:5000/ubuntu:14.04");
    }
}
