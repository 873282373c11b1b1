use super::*;

fn node(formats: Vec<FormatParam>) -> NodeAnswers {
    let mut props = BTreeMap::new();
    props.insert("media.class".to_owned(), "Video/Source".to_owned());
    props.insert("node.name".to_owned(), "cam".to_owned());
    NodeAnswers {
        id: 42,
        props,
        formats,
    }
}

fn modes(a: &NodeAnswers) -> Vec<(u32, u32, f64, PixelFormat)> {
    native_modes(a)
        .iter()
        .map(|m| {
            (
                m.mode.width,
                m.mode.height,
                m.mode.frame_rate,
                m.pixel_format,
            )
        })
        .collect()
}

#[test]
fn a_fixed_param_is_one_mode_with_its_exact_fraction() {
    let a = node(vec![FormatParam {
        formats: vec![SpaFormat::Yuy2],
        sizes: Choice::Fixed((640, 480)),
        rates: Choice::Fixed((30000, 1001)),
    }]);
    let m = native_modes(&a);
    assert_eq!(m.len(), 1);
    assert_eq!(
        (m[0].mode.width, m[0].mode.height, m[0].mode.frame_rate),
        (640, 480, 29.97)
    );
    assert_eq!(m[0].pixel_format, PixelFormat::Yuyv);
    assert_eq!(m[0].rate, (30000, 1001));
}

#[test]
fn lists_map_one_to_one_and_uncompressed_wins_at_equal_mode() {
    let a = node(vec![
        FormatParam {
            formats: vec![SpaFormat::Mjpeg],
            sizes: Choice::List(vec![(1280, 720), (640, 480)]),
            rates: Choice::List(vec![(30, 1), (15, 1)]),
        },
        FormatParam {
            formats: vec![SpaFormat::Yuy2, SpaFormat::Nv12],
            sizes: Choice::Fixed((640, 480)),
            rates: Choice::List(vec![(30, 1), (30, 1)]),
        },
    ]);
    assert_eq!(
        modes(&a),
        [
            (1280, 720, 30.0, PixelFormat::Mjpeg),
            (1280, 720, 15.0, PixelFormat::Mjpeg),
            (640, 480, 30.0, PixelFormat::Nv12),
            (640, 480, 15.0, PixelFormat::Mjpeg),
        ]
    );
}

#[test]
fn ranges_give_their_ends_and_the_common_values_inside() {
    let a = node(vec![FormatParam {
        formats: vec![SpaFormat::Bgrx],
        sizes: Choice::Range {
            min: (1, 1),
            max: (1280, 720),
            step: None,
        },
        rates: Choice::Range {
            min: (0, 1),
            max: (60, 1),
            step: None,
        },
    }]);
    let m = native_modes(&a);
    let sizes: Vec<(u32, u32)> =
        m.iter()
            .map(|m| (m.mode.width, m.mode.height))
            .fold(Vec::new(), |mut v, s| {
                if !v.contains(&s) {
                    v.push(s);
                }
                v
            });
    assert_eq!(
        sizes,
        [
            (1280, 720),
            (800, 600),
            (640, 480),
            (320, 240),
            (160, 120),
            (1, 1)
        ]
    );
    let rates: Vec<f64> = m
        .iter()
        .filter(|m| m.mode.width == 1280)
        .map(|m| m.mode.frame_rate)
        .collect();
    assert_eq!(rates, [60.0, 30.0, 25.0, 24.0, 20.0, 15.0, 10.0, 5.0, 1.0]);
    assert!(m.iter().all(|m| m.pixel_format == PixelFormat::Bgra));
    assert_eq!(m[0].rate, (60, 1));
}

#[test]
fn unusable_nodes_have_no_descriptor() {
    // No format we can deliver.
    assert!(
        descriptor(&node(vec![FormatParam {
            formats: vec![],
            sizes: Choice::Fixed((640, 480)),
            rates: Choice::Fixed((30, 1)),
        }]))
        .is_none()
    );
    let good = vec![FormatParam {
        formats: vec![SpaFormat::I420],
        sizes: Choice::Fixed((320, 240)),
        rates: Choice::Fixed((15, 1)),
    }];
    // Not a video source.
    let mut sink = node(good.clone());
    sink.props
        .insert("media.class".to_owned(), "Video/Sink".to_owned());
    assert!(descriptor(&sink).is_none());
    // No name.
    let mut nameless = node(good.clone());
    nameless.props.remove("node.name");
    assert!(descriptor(&nameless).is_none());
    // Zero rate or size.
    assert!(
        descriptor(&node(vec![FormatParam {
            formats: vec![SpaFormat::I420],
            sizes: Choice::List(vec![(0, 240)]),
            rates: Choice::Fixed((0, 1)),
        }]))
        .is_none()
    );
}

#[test]
fn descriptor_names_the_node_and_its_group() {
    let mut a = node(vec![FormatParam {
        formats: vec![SpaFormat::I420],
        sizes: Choice::Fixed((320, 240)),
        rates: Choice::Fixed((15, 1)),
    }]);
    let d = descriptor(&a).unwrap();
    assert_eq!(d.raw_id, "pipewire:cam");
    assert_eq!(d.label, "cam");
    assert_eq!(d.raw_group_id, "pipewire:cam");
    a.props
        .insert("node.description".to_owned(), "HD Webcam".to_owned());
    a.props.insert(
        "api.v4l2.cap.bus_info".to_owned(),
        "usb-0000:00:14.0-1".to_owned(),
    );
    let d = descriptor(&a).unwrap();
    assert_eq!(d.label, "HD Webcam");
    assert_eq!(d.raw_group_id, "pipewire:usb-0000:00:14.0-1");
    assert_eq!(d.kind, MediaDeviceKind::VideoInput);
}

#[test]
fn padded_rows_are_laid_out_and_tight_ones_not() {
    assert_eq!(plane_layout(PixelFormat::Yuyv, 4, 2, 8), None);
    assert_eq!(plane_layout(PixelFormat::Mjpeg, 4, 2, 100), None);
    let p = plane_layout(PixelFormat::I420, 4, 4, 8).unwrap();
    assert_eq!(
        p,
        [
            PlaneLayout {
                offset: 0,
                stride: 8,
                rows: 4
            },
            PlaneLayout {
                offset: 32,
                stride: 4,
                rows: 2
            },
            PlaneLayout {
                offset: 40,
                stride: 4,
                rows: 2
            },
        ]
    );
    let m = NativeMode {
        mode: VideoMode {
            width: 4,
            height: 4,
            frame_rate: 30.0,
        },
        pixel_format: PixelFormat::I420,
        format: SpaFormat::I420,
        rate: (30, 1),
    };
    assert!(frame(&m, 8, &[0u8; 48], 0).is_ok());
    // Too short for the stride it claims: an error, not a panic.
    assert!(frame(&m, 8, &[0u8; 40], 0).is_err());
}
