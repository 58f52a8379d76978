"""Each detector through Start*/Get* over a real socket, against test videos whose content is known."""

from __future__ import annotations

from .conftest import wait


def test_text_detection_reads_known_words_with_lines_and_words(server, rek, videos):
    job = rek.start_text_detection(Video=videos.s3(server, "text_clip.mp4"))
    result = wait(rek, "get_text_detection", job["JobId"], timeout=120)
    assert result["JobStatus"] == "SUCCEEDED", result.get("StatusMessage")
    found = result["TextDetections"]
    lines = {(d["Timestamp"], d["TextDetection"]["DetectedText"]) for d in found
             if d["TextDetection"]["Type"] == "LINE"}
    assert (0, "CLOUDLET 42") in lines and (3000, "HELLO WORLD") in lines
    assert not any(2000 <= ts < 3000 for ts, _ in lines)  # the red shot has no text
    words = [d["TextDetection"] for d in found if d["Timestamp"] == 0 and d["TextDetection"]["Type"] == "WORD"]
    assert [w["DetectedText"] for w in words] == ["CLOUDLET", "42"]
    assert all(w["ParentId"] == 0 and w["Confidence"] > 80 for w in words)
    left = words[0]["Geometry"]["BoundingBox"]
    assert 0.0 < left["Left"] < 0.2 and 0.3 < left["Top"] < 0.5 and len(words[0]["Geometry"]["Polygon"]) == 4
    assert result["TextModelVersion"]


def test_text_filters_regions_and_min_height(server, rek, videos):
    right_half = {"BoundingBox": {"Left": 0.6, "Top": 0.0, "Width": 0.4, "Height": 1.0}}
    job = rek.start_text_detection(Video=videos.s3(server, "text_clip.mp4"),
                                   Filters={"RegionsOfInterest": [right_half]})
    result = wait(rek, "get_text_detection", job["JobId"], timeout=120)
    words = {d["TextDetection"]["DetectedText"] for d in result["TextDetections"]
             if d["TextDetection"]["Type"] == "WORD"}
    assert words == {"42", "WORLD"}
    job = rek.start_text_detection(Video=videos.s3(server, "text_clip.mp4"),
                                   Filters={"WordFilter": {"MinBoundingBoxHeight": 0.5}})
    result = wait(rek, "get_text_detection", job["JobId"], timeout=120)
    assert result["JobStatus"] == "SUCCEEDED" and result["TextDetections"] == []


def test_face_detection_finds_the_portrait_only_while_it_is_shown(server, rek, videos):
    job = rek.start_face_detection(Video=videos.s3(server, "faces_clip.mp4"), FaceAttributes="ALL")
    result = wait(rek, "get_face_detection", job["JobId"], timeout=120)
    assert result["JobStatus"] == "SUCCEEDED", result.get("StatusMessage")
    stamps = sorted({f["Timestamp"] for f in result["Faces"]})
    assert stamps and all(1000 <= ts < 3000 for ts in stamps) and len(stamps) >= 3
    face = result["Faces"][0]["Face"]
    box = face["BoundingBox"]
    assert 0.3 < box["Left"] < 0.45 and 0.1 < box["Top"] < 0.25 and 0.2 < box["Width"] < 0.4
    assert face["Confidence"] > 80 and 0 < face["Quality"]["Brightness"] < 100
    assert "AgeRange" not in face and "Emotions" not in face  # not modelled: never invented


def test_person_tracking_keeps_an_index_within_a_shot_and_sorts_by_index(server, rek, videos):
    job = rek.start_person_tracking(Video=videos.s3(server, "people_clip.mp4"))
    result = wait(rek, "get_person_tracking", job["JobId"], timeout=120)
    assert result["JobStatus"] == "SUCCEEDED", result.get("StatusMessage")
    seen = [(p["Timestamp"], p["Person"]["Index"]) for p in result["Persons"]]
    first = {i for ts, i in seen if ts < 2000}
    second = {i for ts, i in seen if ts >= 3000}
    assert len(first) == 1 and len(second) == 1 and first != second
    assert not any(2000 <= ts < 3000 for ts, _ in seen)
    assert all("Face" in p["Person"] for p in result["Persons"])
    by_index = rek.get_person_tracking(JobId=job["JobId"], SortBy="INDEX")["Persons"]
    assert [p["Person"]["Index"] for p in by_index] == sorted(i for _, i in seen)


def test_label_detection_classifies_frames_and_aggregates_segments(server, rek, videos):
    job = rek.start_label_detection(Video=videos.s3(server, "faces_clip.mp4"), MinConfidence=20)
    result = wait(rek, "get_label_detection", job["JobId"], timeout=180)
    assert result["JobStatus"] == "SUCCEEDED", result.get("StatusMessage")
    assert result["GetRequestMetadata"] == {"SortBy": "TIMESTAMP", "AggregateBy": "TIMESTAMPS"}
    uniform = [d for d in result["Labels"] if d["Label"]["Name"] == "Military Uniform"]
    assert uniform and all(1000 <= d["Timestamp"] < 3000 for d in uniform)
    segments = rek.get_label_detection(JobId=job["JobId"], AggregateBy="SEGMENTS")
    runs = [d for d in segments["Labels"] if d["Label"]["Name"] == "Military Uniform"]
    assert len(runs) == 1 and runs[0]["StartTimestampMillis"] == 1000 and runs[0]["EndTimestampMillis"] == 3000
    names = [d["Label"]["Name"] for d in rek.get_label_detection(JobId=job["JobId"], SortBy="NAME")["Labels"]]
    assert names == sorted(names)
    people = {d["Label"]["Name"]: d["Label"] for d in segments["Labels"] if d["Label"]["Name"] in ("Person", "Face")}
    assert set(people) == {"Person", "Face"}
    face_box = people["Face"]["Instances"][0]["BoundingBox"]
    assert 0.3 < face_box["Left"] < 0.45 and people["Face"]["Parents"] == [{"Name": "Head"}, {"Name": "Person"}]
    only = rek.start_label_detection(Video=videos.s3(server, "faces_clip.mp4"), MinConfidence=20,
                                     Settings={"GeneralLabels": {"LabelExclusionFilters": ["Military Uniform"]}})
    result = wait(rek, "get_label_detection", only["JobId"], timeout=180)
    assert not any(d["Label"]["Name"] == "Military Uniform" for d in result["Labels"])


def test_content_moderation_reports_nothing_on_a_clean_video(server, rek, videos):
    job = rek.start_content_moderation(Video=videos.s3(server, "faces_clip.mp4"), MinConfidence=40)
    result = wait(rek, "get_content_moderation", job["JobId"], timeout=120)
    assert result["JobStatus"] == "SUCCEEDED", result.get("StatusMessage")
    assert result["ModerationLabels"] == [] and result["ModerationModelVersion"]
    assert result["VideoMetadata"]["DurationMillis"] == 4000


def test_moderation_taxonomy_mapping(monkeypatch):
    import numpy as np

    from cloudlet.jobs.analyzers import moderation

    class Fake:
        def detect(self, image):
            return [{"class": "FEMALE_BREAST_EXPOSED", "score": 0.9, "box": [0, 0, 1, 1]},
                    {"class": "FACE_FEMALE", "score": 0.95, "box": [0, 0, 1, 1]}]

    monkeypatch.setattr(moderation, "detector", Fake)
    labels = moderation.frame_labels(np.zeros((8, 8, 3), np.uint8), 50)
    assert {(l["Name"], l["ParentName"], l["TaxonomyLevel"]) for l in labels} == {
        ("Exposed Female Nipple", "Explicit Nudity", 3), ("Explicit Nudity", "Explicit", 2), ("Explicit", "", 1)}


def test_not_a_video_fails_the_job_with_a_status_message(server, rek, videos, tmp_path):
    from .conftest import upload

    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"this is not a video at all" * 100)
    upload(server.blob_url, videos.container, "junk.mp4", junk)
    job = rek.start_label_detection(Video={"S3Object": {"Bucket": videos.container, "Name": "junk.mp4"}})
    result = wait(rek, "get_label_detection", job["JobId"])
    assert result["JobStatus"] == "FAILED" and "Unsupported codec/format" in result["StatusMessage"]
    assert "Labels" not in result or result["Labels"] == []
