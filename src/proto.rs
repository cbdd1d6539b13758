//! Generated protobuf and tonic code for `atelio.gateway.v1`, plus the encoded descriptor set
//! served by gRPC reflection. Nothing here is hand-written.
#![allow(clippy::all, clippy::pedantic, missing_docs)]

/// The public API, package `atelio.gateway.v1`.
pub mod v1 {
    tonic::include_proto!("atelio.gateway.v1");
}

/// Encoded `FileDescriptorSet` of every file under `proto/`, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/atelio_gateway_descriptor.bin"));
