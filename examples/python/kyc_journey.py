"""A customer KYC journey against atelio-gateway from Python (grpcio).

Run the gateway with its built-in Atelio emulator, then this script:

    cargo run --release -- serve --sandbox        # gRPC on 0.0.0.0:50051
    pip install grpcio grpcio-tools grpcio-status googleapis-common-protos
    python3 examples/python/kyc_journey.py 127.0.0.1:50051

Stubs are generated from proto/ at start (no generated code in the repository). The journey:
an invalid request and its rich error details, then a customer whose SSN makes the sandbox ask
for a document, the relayed events read from SubscribeVerificationEvents, the upload, and the
outcome. Exits 0 when every step behaved as documented.
"""
import pathlib
import queue
import sys
import tempfile
import threading

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROGRAM = "0f8c6a52-7d4e-4b1a-9c3e-5a2b1d0e9f47"


def generate_stubs():
    """Compiles proto/ into a temporary package and puts it on sys.path."""
    import grpc_tools
    from grpc_tools import protoc

    out = tempfile.mkdtemp(prefix="atelio-stubs-")
    proto = ROOT / "proto"
    well_known = pathlib.Path(grpc_tools.__file__).parent / "_proto"
    files = [str(p) for p in sorted((proto / "atelio/gateway/v1").glob("*.proto"))]
    args = ["protoc", f"-I{proto}", f"-I{well_known}", f"--python_out={out}", f"--grpc_python_out={out}", *files]
    if protoc.main(args) != 0:
        sys.exit("protoc failed")
    sys.path.insert(0, out)


def rich_error(channel, customers_pb2, customers_grpc):
    """An invalid CreateCustomer answers INVALID_ARGUMENT with google.rpc.BadRequest details."""
    stub = customers_grpc.CustomerServiceStub(channel)
    bad = customers_pb2.Customer(first_name="Nick", last_name="Example", dob="13/02/1990")
    try:
        stub.CreateCustomer(customers_pb2.CreateCustomerRequest(customer=bad, request_id="py-bad"))
    except grpc.RpcError as err:
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, err.code()
        status = rpc_status.from_call(err)
        fields = []
        for detail in status.details:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                request = error_details_pb2.BadRequest()
                detail.Unpack(request)
                fields += [v.field for v in request.field_violations]
        print(f"INVALID_ARGUMENT, fields: {', '.join(fields)}")
        assert any("dob" in f for f in fields), fields
        return
    sys.exit("an invalid customer was accepted")


def events_into(channel, events_pb2, events_grpc, out, ready):
    stub = events_grpc.VerificationEventServiceStub(channel)
    stream = stub.SubscribeVerificationEvents(events_pb2.SubscribeVerificationEventsRequest(from_now=True))
    ready.set()
    for item in stream:
        if item.HasField("event"):
            out.put(item.event)


def main(target):
    generate_stubs()
    from atelio.gateway.v1 import common_pb2, customers_pb2, customers_pb2_grpc, events_pb2, events_pb2_grpc

    channel = grpc.insecure_channel(target)
    rich_error(channel, customers_pb2, customers_pb2_grpc)
    events, ready = queue.Queue(), threading.Event()
    threading.Thread(target=events_into, args=(channel, events_pb2, events_pb2_grpc, events, ready), daemon=True).start()
    ready.wait(5)

    def expect(kind):
        event = events.get(timeout=15)
        name = events_pb2.VerificationEventKind.Name(event.kind)
        print(f"event {name} cursor={event.cursor}")
        assert event.kind == kind, name
        return event

    stub = customers_pb2_grpc.CustomerServiceStub(channel)
    address = common_pb2.Address(address_type=common_pb2.ADDRESS_TYPE_PHYSICAL, street="1000 Main Street", city="Austin",
                                 state="TX", zip_code="73301", country="US", is_primary=True)
    person = customers_pb2.Customer(first_name="Nick", last_name="Example", dob="1990-02-13", ssn="333-33-3333",
                                    email="nick@example.com", addresses=[address])
    created = stub.CreateCustomer(customers_pb2.CreateCustomerRequest(customer=person, request_id="py-customer"))
    customer_id = created.customer.customer_id
    print(f"created customer {customer_id}")
    started = stub.StartCustomerKyc(customers_pb2.StartCustomerKycRequest(customer_id=customer_id, program_id=PROGRAM, request_id="py-kyc"))
    print(f"KYC {started.kyc_status_raw}")
    asked = expect(events_pb2.VERIFICATION_EVENT_KIND_KYC_DOCUMENT_REQUIRED)
    print("documents requested: " + ", ".join(d.document_type for d in asked.documents))
    passport = customers_pb2.GovernmentIdDocument(type=customers_pb2.GOVERNMENT_ID_TYPE_PASSPORT, country="US",
                                                  front_image=customers_pb2.DocumentImage(file_name="passport.jpg", image=b"jpeg"))
    stub.SubmitCustomerKycDocuments(customers_pb2.SubmitCustomerKycDocumentsRequest(customer_id=customer_id, government_id=passport))
    expect(events_pb2.VERIFICATION_EVENT_KIND_KYC_UNDER_REVIEW)
    expect(events_pb2.VERIFICATION_EVENT_KIND_KYC_SUCCESS)
    status = stub.GetCustomerKycStatus(customers_pb2.GetCustomerKycStatusRequest(customer_id=customer_id, program_id=PROGRAM))
    print(f"KYC status {status.verification.kyc_status_raw}")
    assert status.verification.kyc_status == common_pb2.KYC_STATUS_PASSED
    print("python journey: ok")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:50051")
