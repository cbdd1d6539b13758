// A customer KYC journey against atelio-gateway from Node.js (@grpc/grpc-js + @grpc/proto-loader).
//
//   cargo run --release -- serve --sandbox          # gRPC on 0.0.0.0:50051
//   (cd examples/node && npm ci)
//   node examples/node/kyc_journey.js 127.0.0.1:50051
//
// The .proto files are loaded at run time from proto/. The journey: an invalid request and its
// rich error details (google.rpc.BadRequest in `grpc-status-details-bin`), then a customer whose
// SSN makes the sandbox ask for a document, the relayed events, the upload, and the outcome.
// Exits 0 when every step behaved as documented.
'use strict';
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

const PROTO = path.resolve(__dirname, '../../proto');
const PROGRAM = '0f8c6a52-7d4e-4b1a-9c3e-5a2b1d0e9f47';
const files = ['customers', 'events'].map((f) => `atelio/gateway/v1/${f}.proto`);
const pkg = grpc.loadPackageDefinition(
  protoLoader.loadSync(files, { includeDirs: [PROTO], keepCase: true, enums: String, defaults: true, oneofs: true }),
).atelio.gateway.v1;

// google.rpc.Status and BadRequest, enough to read the error details.
const rpc = protobuf.parse(`
  syntax = "proto3";
  package rpc;
  message Any { string type_url = 1; bytes value = 2; }
  message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
  message FieldViolation { string field = 1; string description = 2; }
  message BadRequest { repeated FieldViolation field_violations = 1; }
`, { keepCase: true }).root;

const call = (client, method, req) =>
  new Promise((resolve, reject) => client[method](req, (err, res) => (err ? reject(err) : resolve(res))));

function violations(err) {
  const [bin] = err.metadata.get('grpc-status-details-bin');
  const status = rpc.lookupType('rpc.Status').decode(bin);
  return status.details
    .filter((d) => d.type_url.endsWith('google.rpc.BadRequest'))
    .flatMap((d) => rpc.lookupType('rpc.BadRequest').decode(d.value).field_violations.map((v) => v.field));
}

function eventQueue(events) {
  const waiting = [];
  const arrived = [];
  const stream = events.SubscribeVerificationEvents({ from_now: true });
  stream.on('data', (item) => {
    if (!item.event) return;
    const next = waiting.shift();
    if (next) next(item.event);
    else arrived.push(item.event);
  });
  stream.on('error', () => {});
  const nextEvent = () =>
    new Promise((resolve, reject) => {
      if (arrived.length) return resolve(arrived.shift());
      const timer = setTimeout(() => reject(new Error('no event within 15 s')), 15000);
      waiting.push((e) => { clearTimeout(timer); resolve(e); });
    });
  return { nextEvent, close: () => stream.cancel() };
}

async function main(target) {
  const creds = grpc.credentials.createInsecure();
  const customers = new pkg.CustomerService(target, creds);
  const events = eventQueue(new pkg.VerificationEventService(target, creds));
  const expect = async (kind) => {
    const e = await events.nextEvent();
    console.log(`event ${e.kind} cursor=${e.cursor}`);
    if (e.kind !== kind) throw new Error(`expected ${kind}, got ${e.kind}`);
    return e;
  };

  try {
    await call(customers, 'CreateCustomer', { customer: { first_name: 'Nick', last_name: 'Example', dob: '13/02/1990' }, request_id: 'js-bad' });
    throw new Error('an invalid customer was accepted');
  } catch (err) {
    if (err.code !== grpc.status.INVALID_ARGUMENT) throw err;
    const fields = violations(err);
    console.log(`INVALID_ARGUMENT, fields: ${fields.join(', ')}`);
    if (!fields.some((f) => f.includes('dob'))) throw new Error('no dob violation');
  }

  const address = { address_type: 'ADDRESS_TYPE_PHYSICAL', street: '1000 Main Street', city: 'Austin', state: 'TX', zip_code: '73301', country: 'US', is_primary: true };
  const person = { first_name: 'Nick', last_name: 'Example', dob: '1990-02-13', ssn: '333-33-3333', email: 'nick@example.com', addresses: [address] };
  const created = await call(customers, 'CreateCustomer', { customer: person, request_id: 'js-customer' });
  const id = created.customer.customer_id;
  console.log(`created customer ${id}`);
  const started = await call(customers, 'StartCustomerKyc', { customer_id: id, program_id: PROGRAM, request_id: 'js-kyc' });
  console.log(`KYC ${started.kyc_status_raw}`);
  const asked = await expect('VERIFICATION_EVENT_KIND_KYC_DOCUMENT_REQUIRED');
  console.log(`documents requested: ${asked.documents.map((d) => d.document_type).join(', ')}`);
  const passport = { type: 'GOVERNMENT_ID_TYPE_PASSPORT', country: 'US', front_image: { file_name: 'passport.jpg', image: Buffer.from('jpeg') } };
  await call(customers, 'SubmitCustomerKycDocuments', { customer_id: id, government_id: passport });
  await expect('VERIFICATION_EVENT_KIND_KYC_UNDER_REVIEW');
  await expect('VERIFICATION_EVENT_KIND_KYC_SUCCESS');
  const status = await call(customers, 'GetCustomerKycStatus', { customer_id: id, program_id: PROGRAM });
  console.log(`KYC status ${status.verification.kyc_status_raw}`);
  if (status.verification.kyc_status !== 'KYC_STATUS_PASSED') throw new Error('not passed');
  events.close();
  console.log('node journey: ok');
}

main(process.argv[2] || '127.0.0.1:50051').then(
  () => process.exit(0),
  (err) => { console.error(`node journey failed: ${err.message}`); process.exit(1); },
);
