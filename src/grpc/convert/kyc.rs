//! KYC start requests → `StartKyc` (customers; the contact rules are shared with owners).
use crate::domain::commands::{KycContact, StartKyc};
use crate::domain::{Email, Ipv4, Phone, PhoneCountryCode, ResourceId, Ssn, Violations};
use crate::proto::v1 as pb;

/// The optional contact fields of a KYC start (customers: all optional).
pub fn contact(
    v: &mut Violations,
    ssn: &str,
    phone: &str,
    pcc: &str,
    email: &str,
    ip: &str,
) -> Option<KycContact> {
    let ssn = v.optional("ssn", ssn, Ssn::parse);
    let phone = v.optional("phone", phone, Phone::parse);
    let pcc = v.optional("phone_country_code", pcc, PhoneCountryCode::parse);
    let email = v.optional("email", email, Email::parse);
    let ip = v.optional("ip", ip, Ipv4::parse);
    Some(KycContact {
        ssn: ssn?,
        phone: phone?,
        phone_country_code: pcc?,
        email: email?,
        ip: ip?,
    })
}

/// StartCustomerKyc → customer id and `StartKyc`.
pub fn start_customer(
    r: &pb::StartCustomerKycRequest,
    default_program: Option<&str>,
) -> Result<(ResourceId, StartKyc), Violations> {
    let mut v = Violations::new();
    let id = super::id(&mut v, "customer_id", &r.customer_id);
    let program = super::program(&mut v, "program_id", &r.program_id, default_program);
    let contact = contact(
        &mut v,
        &r.ssn,
        &r.phone,
        &r.phone_country_code,
        &r.email,
        &r.ip,
    );
    match (id, program, contact) {
        (Some(id), Some(program_id), Some(contact)) => v.finish((
            id,
            StartKyc {
                program_id,
                contact,
                retry_request: None,
            },
        )),
        _ => Err(v),
    }
}
