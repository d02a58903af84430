"""An independent gRPC client for the service: Debian's python3-grpcio with
message classes that protoc (--python_out) generated from proto/, and stubs
written here with grpc.Channel.unary_unary / unary_stream. It checks health,
summarizes the tutorial CNN, submits a train job (and its idempotent retry),
watches it to the end, and predicts; errors are read from the status and the
trailing metadata. Prints one JSON object of what it saw; the caller asserts.

usage: grpc_client.py GENERATED_DIR TARGET KEY DATASET_ID SPEC_JSON_FILE PNG_FILE
"""
import json
import sys

sys.path.insert(0, sys.argv[1])

import importlib.util  # noqa: E402
import os  # noqa: E402

import grpc  # noqa: E402
from cnn.v1 import architectures_pb2, jobs_pb2, models_pb2  # noqa: E402

# The generated health module sits under grpc/health/v1/, which the installed grpc package shadows; load it by path.
_health = importlib.util.spec_from_file_location("health_pb2", os.path.join(sys.argv[1], "grpc", "health", "v1", "health_pb2.py"))
health_pb2 = importlib.util.module_from_spec(_health)
_health.loader.exec_module(health_pb2)

_, _, target, key, dataset_id, spec_file, png_file = sys.argv


def unary(channel, service, method, request_cls, response_cls):
    return channel.unary_unary(f"/{service}/{method}", request_serializer=request_cls.SerializeToString, response_deserializer=response_cls.FromString)


def server_stream(channel, service, method, request_cls, response_cls):
    return channel.unary_stream(f"/{service}/{method}", request_serializer=request_cls.SerializeToString, response_deserializer=response_cls.FromString)


def error_of(err):
    trailers = dict(err.trailing_metadata() or ())
    return {"status": err.code().name, "code": trailers.get("cnn-error-code"), "path": trailers.get("cnn-error-path")}


out = {}
auth = (("authorization", f"Bearer {key}"),)
with grpc.insecure_channel(target) as channel:
    check = unary(channel, "grpc.health.v1.Health", "Check", health_pb2.HealthCheckRequest, health_pb2.HealthCheckResponse)
    out["health"] = health_pb2.HealthCheckResponse.ServingStatus.Name(check(health_pb2.HealthCheckRequest(service=""), timeout=10).status)

    summarize = unary(channel, "cnn.v1.Architectures", "SummarizeArchitecture", architectures_pb2.SummarizeArchitectureRequest, architectures_pb2.ArchitectureSummary)
    spec_json = open(spec_file).read()
    summary = summarize(architectures_pb2.SummarizeArchitectureRequest(spec_json=spec_json), metadata=auth, timeout=10)
    out["summary"] = {"totalParams": summary.totals.total_params, "layers": [l.params for l in summary.layers]}
    try:
        summarize(architectures_pb2.SummarizeArchitectureRequest(spec_json=spec_json), timeout=10)
    except grpc.RpcError as err:
        out["noKey"] = error_of(err)

    submit = unary(channel, "cnn.v1.Jobs", "SubmitJob", jobs_pb2.SubmitJobRequest, jobs_pb2.SubmitJobResponse)
    request = {"type": "train", "datasetId": dataset_id, "model": {"spec": json.loads(spec_json)}, "training": {"epochs": 1, "batchSize": 64}}
    first = submit(jobs_pb2.SubmitJobRequest(request_json=json.dumps(request), idempotency_key="python-1"), metadata=auth, timeout=10)
    again = submit(jobs_pb2.SubmitJobRequest(request_json=json.dumps(request), idempotency_key="python-1"), metadata=auth, timeout=10)
    out["submit"] = {"id": first.job.id, "created": first.created, "state": jobs_pb2.JobState.Name(first.job.state), "againId": again.job.id, "againCreated": again.created}
    try:
        submit(jobs_pb2.SubmitJobRequest(request_json=json.dumps({**request, "datasetId": "ds_nope"})), metadata=auth, timeout=10)
    except grpc.RpcError as err:
        out["submitUnknownDataset"] = error_of(err)

    watch = server_stream(channel, "cnn.v1.Jobs", "WatchJob", jobs_pb2.WatchJobRequest, jobs_pb2.JobEvent)
    events = []
    for event in watch(jobs_pb2.WatchJobRequest(id=first.job.id), metadata=auth, timeout=300):
        events.append({"kind": jobs_pb2.JobEventKind.Name(event.kind), "state": jobs_pb2.JobState.Name(event.job.state), "stage": event.job.progress.stage})
        last = event.job
    out["watch"] = {"events": events, "modelId": last.model_id, "result": json.loads(last.result_json or "null")}

    predict = unary(channel, "cnn.v1.Models", "Predict", models_pb2.PredictRequest, models_pb2.PredictResponse)
    png = open(png_file, "rb").read()
    res = predict(models_pb2.PredictRequest(model_id=last.model_id, images=[png], image_names=["boot.png"], top_k=3), metadata=auth, timeout=30)
    out["predict"] = {"modelId": res.model_id, "predictions": [{"image": p.image, "top": [{"className": t.class_name, "probability": t.probability} for t in p.top]} for p in res.predictions]}
    try:
        predict(models_pb2.PredictRequest(model_id="mdl_nope", images=[png]), metadata=auth, timeout=30)
    except grpc.RpcError as err:
        out["predictUnknownModel"] = error_of(err)

print(json.dumps(out))
