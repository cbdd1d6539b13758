//! KYC and KYB commands: start verification, upload documents.
use crate::domain::{Email, Ipv4, Phone, PhoneCountryCode, ResourceId, Ssn};

/// The person-level data a KYC start may carry (customer or beneficial owner).
#[derive(Clone, Debug, Default)]
pub struct KycContact {
    /// SSN (corrected or first-time).
    pub ssn: Option<Ssn>,
    /// Phone.
    pub phone: Option<Phone>,
    /// Dialling code.
    pub phone_country_code: Option<PhoneCountryCode>,
    /// Email.
    pub email: Option<Email>,
    /// IPv4 address.
    pub ip: Option<Ipv4>,
}

/// Start KYC for a customer or beneficial owner under a program.
#[derive(Clone, Debug)]
pub struct StartKyc {
    /// The program.
    pub program_id: ResourceId,
    /// Contact data to send.
    pub contact: KycContact,
    /// Atelio's `kyc_retry_request` (beneficial owners only).
    pub retry_request: Option<bool>,
}

/// A file to upload (name and bytes). `Debug` shows only sizes.
#[derive(Clone)]
pub struct DocumentFile {
    /// File name.
    pub file_name: String,
    /// File bytes.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for DocumentFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DocumentFile(<redacted>, {} bytes)", self.bytes.len())
    }
}

/// A government id document.
#[derive(Clone, Debug)]
pub struct GovernmentId {
    /// Atelio's type string, e.g. `drivers_license`.
    pub kind: &'static str,
    /// Issuing country (alpha-2).
    pub country: String,
    /// Front side.
    pub front: DocumentFile,
    /// Back side, when needed.
    pub back: Option<DocumentFile>,
}

/// A proof-of-address document.
#[derive(Clone, Debug)]
pub struct ProofOfAddress {
    /// Atelio's type string, e.g. `utility_bill`.
    pub kind: &'static str,
    /// The scan.
    pub file: DocumentFile,
}

/// Documents to submit for a customer's KYC; at least one is present.
#[derive(Clone, Debug, Default)]
pub struct KycDocuments {
    /// Government id.
    pub government_id: Option<GovernmentId>,
    /// Proof of address.
    pub proof_of_address: Option<ProofOfAddress>,
    /// Social security card.
    pub social_security_card: Option<DocumentFile>,
}

impl KycDocuments {
    /// How many documents the upload carries.
    pub fn count(&self) -> usize {
        usize::from(self.government_id.is_some())
            + usize::from(self.proof_of_address.is_some())
            + usize::from(self.social_security_card.is_some())
    }
}
