"""StartSegmentDetection / GetSegmentDetection over a real socket, against a video with known cuts and black."""

from __future__ import annotations

from .conftest import wait


def test_shots_and_black_frames_at_known_times(server, rek, videos):
    job = rek.start_segment_detection(Video=videos.s3(server, "shots_and_black.mp4"),
                                      SegmentTypes=["SHOT", "TECHNICAL_CUE"], JobTag="seg-1")
    result = wait(rek, "get_segment_detection", job["JobId"])
    assert result["JobStatus"] == "SUCCEEDED", result.get("StatusMessage")
    assert result["JobTag"] == "seg-1"
    meta = result["VideoMetadata"][0]
    assert (meta["FrameWidth"], meta["FrameHeight"], meta["FrameRate"]) == (320, 240, 10.0)
    assert meta["DurationMillis"] == 6000 and meta["Codec"] == "h264" and meta["ColorRange"] == "LIMITED"
    assert [t["Type"] for t in result["SelectedSegmentTypes"]] == ["TECHNICAL_CUE", "SHOT"]
    shots = [s for s in result["Segments"] if s["Type"] == "SHOT"]
    assert [(s["StartTimestampMillis"], s["EndTimestampMillis"]) for s in shots] == \
        [(0, 2000), (2000, 3000), (3000, 5000), (5000, 6000)]
    assert [s["ShotSegment"]["Index"] for s in shots] == [0, 1, 2, 3]
    assert [(s["StartFrameNumber"], s["EndFrameNumber"], s["DurationFrames"]) for s in shots][2] == (30, 49, 20)
    assert shots[2]["StartTimecodeSMPTE"] == "00:00:03:00" and shots[2]["DurationSMPTE"] == "00:00:02:00"
    cues = [s for s in result["Segments"] if s["Type"] == "TECHNICAL_CUE"]
    assert [(c["StartTimestampMillis"], c["EndTimestampMillis"], c["TechnicalCueSegment"]["Type"])
            for c in cues] == [(2000, 3000, "BlackFrames")]


def test_black_frame_thresholds_and_type_selection(server, rek, videos):
    # With MaxPixelThreshold 0 (only pure black at luma 16) encoder noise keeps most pixels above it.
    job = rek.start_segment_detection(
        Video=videos.s3(server, "shots_and_black.mp4"), SegmentTypes=["TECHNICAL_CUE"],
        Filters={"TechnicalCueFilter": {"BlackFrame": {"MaxPixelThreshold": 0.5, "MinCoveragePercentage": 99}}})
    result = wait(rek, "get_segment_detection", job["JobId"])
    assert result["JobStatus"] == "SUCCEEDED"
    assert all(s["Type"] == "TECHNICAL_CUE" for s in result["Segments"])
    # At half the luma range the dark-blue-free clip still has only the black second under it... and the
    # red shot (luma ~ 81) too: Rekognition's definition is luma alone.
    spans = [(s["StartTimestampMillis"], s["EndTimestampMillis"]) for s in result["Segments"]]
    assert (2000, 3000) in spans or any(a <= 2000 and b >= 3000 for a, b in spans)


def test_smpte_timecodes():
    from fractions import Fraction

    from cloudlet.jobs.analyzers.segments import timecode

    assert timecode(0, Fraction(25)) == "00:00:00:00"
    assert timecode(25 * 3661 + 7, Fraction(25)) == "01:01:01:07"
    ntsc = Fraction(30000, 1001)
    assert timecode(1799, ntsc) == "00:00:59;29"
    assert timecode(1800, ntsc) == "00:01:00;02"  # frames 00 and 01 are dropped at each minute but the tenth
    assert timecode(17982, ntsc) == "00:10:00;00"
