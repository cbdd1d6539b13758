//! Compiles `proto/` with protox (pure Rust: no system `protoc`), generates the tonic/prost code
//! and writes the encoded descriptor set that server reflection serves.
use std::{env, fs, path::PathBuf};

use prost::Message;

const PROTOS: &[&str] = &[
    "atelio/gateway/v1/common.proto",
    "atelio/gateway/v1/customers.proto",
    "atelio/gateway/v1/businesses.proto",
    "atelio/gateway/v1/beneficial_owners.proto",
    "atelio/gateway/v1/events.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let fds = protox::compile(PROTOS, ["proto"])?;
    let out = PathBuf::from(env::var("OUT_DIR")?);
    fs::write(
        out.join("atelio_gateway_descriptor.bin"),
        fds.encode_to_vec(),
    )?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(fds)?;
    Ok(())
}
