//! SubmitCustomerKycDocuments → `KycDocuments`: document kinds, issuing country, file names
//! and image presence (docs/reference/atelio-api.md §2.4 K3).
use crate::domain::commands::{DocumentFile, GovernmentId, KycDocuments, ProofOfAddress};
use crate::domain::{ResourceId, Violations, country_code};
use crate::proto::v1 as pb;

/// File types Atelio accepts for uploads.
const EXTENSIONS: &[&str] = &["heic", "jpg", "jpeg", "pdf", "png"];

/// SubmitCustomerKycDocuments → customer id and documents (at least one).
pub fn submit_documents(
    r: &pb::SubmitCustomerKycDocumentsRequest,
) -> Result<(ResourceId, KycDocuments), Violations> {
    let mut v = Violations::new();
    let id = super::id(&mut v, "customer_id", &r.customer_id);
    if r.government_id.is_none() && r.proof_of_address.is_none() && r.social_security_card.is_none()
    {
        v.add(
            "government_id",
            "at least one of government_id, proof_of_address, social_security_card is required",
        );
    }
    let docs = KycDocuments {
        government_id: r
            .government_id
            .as_ref()
            .and_then(|g| government_id(&mut v, g)),
        proof_of_address: r
            .proof_of_address
            .as_ref()
            .and_then(|p| proof_of_address(&mut v, p)),
        social_security_card: r
            .social_security_card
            .as_ref()
            .and_then(|f| file(&mut v, "social_security_card", Some(f))),
    };
    match id {
        Some(id) => v.finish((id, docs)),
        None => Err(v),
    }
}

fn government_id(v: &mut Violations, g: &pb::GovernmentIdDocument) -> Option<GovernmentId> {
    use pb::GovernmentIdType as T;
    let kind = match T::try_from(g.r#type) {
        Ok(T::DriversLicense) => Some("drivers_license"),
        Ok(T::Passport) => Some("passport"),
        Ok(T::StateId) => Some("state_id"),
        Ok(T::PassportCard) => Some("passport_card"),
        Ok(T::PermanentResidentCard) => Some("permanant_resident_card"),
        Ok(T::WorkPermit) => Some("work_permit"),
        Ok(T::Visa) => Some("visa"),
        _ => {
            v.add("government_id.type", "is required");
            None
        }
    };
    let country = v.required("government_id.country", &g.country, country_code);
    let front = file(v, "government_id.front_image", g.front_image.as_ref());
    let needs_back = matches!(
        kind,
        Some("passport_card" | "permanant_resident_card" | "work_permit")
    );
    let back = match (&g.back_image, needs_back) {
        (None, true) => {
            v.add(
                "government_id.back_image",
                "is required for this document type",
            );
            None
        }
        (None, false) => None,
        (Some(b), _) => file(v, "government_id.back_image", Some(b)),
    };
    Some(GovernmentId {
        kind: kind?,
        country: country?,
        front: front?,
        back,
    })
}

fn proof_of_address(v: &mut Violations, p: &pb::ProofOfAddressDocument) -> Option<ProofOfAddress> {
    use pb::ProofOfAddressType as T;
    let kind = match T::try_from(p.r#type) {
        Ok(T::UtilityBill) => Some("utility_bill"),
        Ok(T::PropertyTaxBill) => Some("property_tax_bill"),
        _ => {
            v.add("proof_of_address.type", "is required");
            None
        }
    };
    let f = file(v, "proof_of_address.image", p.image.as_ref());
    Some(ProofOfAddress {
        kind: kind?,
        file: f?,
    })
}

fn file(v: &mut Violations, field: &str, f: Option<&pb::DocumentImage>) -> Option<DocumentFile> {
    let Some(f) = f else {
        v.add(field, "is required");
        return None;
    };
    let ext = f
        .file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase());
    let name_ok = !f.file_name.trim().is_empty()
        && f.file_name.len() <= 255
        && !f
            .file_name
            .chars()
            .any(|c| c.is_control() || c == '/' || c == '\\');
    if !name_ok {
        v.add(
            format!("{field}.file_name"),
            "must be a plain file name of at most 255 characters",
        );
    } else if !ext.as_deref().is_some_and(|e| EXTENSIONS.contains(&e)) {
        v.add(
            format!("{field}.file_name"),
            "must end in .heic, .jpg, .jpeg, .pdf or .png",
        );
    }
    if f.image.is_empty() {
        v.add(format!("{field}.image"), "is required");
    }
    (name_ok && !f.image.is_empty()).then(|| DocumentFile {
        file_name: f.file_name.clone(),
        bytes: f.image.to_vec(),
    })
}
