#include "config/volume_schema.hpp"

namespace dflow::config {

const std::vector<std::string>& volume_services() {
  static const std::vector<std::string> services = {"n5", "zarr", "hdf5", "slice-files", "precomputed"};
  return services;
}

Schema geometry_schema() {
  return Schema::object({
      with_default("bounding-box", Schema::box(), "[[-1,-1,-1],[-1,-1,-1]]",
                   "Region to process, half-open [[x0,y0,z0],[x1,y1,z1]] in scale-0 voxels; "
                   "each -1 is taken from the stored volume."),
      with_default("message-block-shape", Schema::ints(3), "[-1,-1,-1]",
                   "Preferred brick shape [x,y,z] for reading; -1 = chosen from the storage chunk shape."),
      with_default("available-scales", Schema::list(Schema::integer().at_least(0)).min_items(1), "[0]",
                   "Scales that may be read from this source."),
  });
}

Schema bucket_schema() {
  return Schema::object({
      with_default("endpoint", Schema::string(), "\"\"",
                   "S3: server URL, e.g. `http://127.0.0.1:9000` (empty: AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, else "
                   "AWS). GCS: server URL (empty: STORAGE_EMULATOR_HOST, else https://storage.googleapis.com)."),
      with_default("region", Schema::string(), "\"\"", "S3 region signed into requests (empty: AWS_REGION / AWS_DEFAULT_REGION, else us-east-1)."),
      with_default("path-style", Schema::string({"auto", "true", "false"}), "auto",
                   "S3 addressing: `true` = endpoint/bucket/key, `false` = bucket.endpoint/key; `auto` = path-style exactly "
                   "when an endpoint is set."),
      with_default("profile", Schema::string(), "\"\"",
                   "S3: profile of ~/.aws/credentials when AWS_ACCESS_KEY_ID is not set (empty: AWS_PROFILE, else default)."),
      with_default("parallel-requests", Schema::integer().at_least(1), "8",
                   "Uploads in flight per rank; also chunk reads in flight per read of a brick (local files: one)."),
      with_default("multipart-mib", Schema::integer().at_least(1), "64",
                   "Objects larger than this go up in parts (S3 multipart upload, GCS resumable upload)."),
      with_default("part-mib", Schema::integer().at_least(1), "32", "Part size (S3: at least 5)."),
  });
}

namespace {

Schema n5_schema() {
  return Schema::object({
      required("path", Schema::string(),
               "N5 container: a directory (relative paths: against the workflow directory), `s3://bucket/prefix` or "
               "`gs://bucket/prefix`."),
      required("dataset", Schema::string(),
               "Scale-0 dataset inside the container, e.g. `s0`; scale s replaces the trailing 0 with s."),
      with_default("bucket", bucket_schema(), "{}", "How to reach an s3:// or gs:// path."),
  });
}

Schema zarr_schema() {
  return Schema::object({
      required("path", Schema::string(),
               "Zarr container: a directory (relative paths: against the workflow directory), `s3://bucket/prefix` or "
               "`gs://bucket/prefix`."),
      required("dataset", Schema::string(),
               "Scale-0 array inside the container, e.g. `s0` (`\"\"` when the container itself is the array); "
               "scale s replaces the trailing 0 with s."),
      with_default("store-type", Schema::string({"DirectoryStore", "NestedDirectoryStore", "N5Store"}),
                   "NestedDirectoryStore",
                   "Chunk key layout, as the zarr store class that wrote it. A `dimension_separator` in `.zarray` "
                   "takes precedence (with a warning when they disagree)."),
      with_default("global-offset", Schema::ints(3), "[0,0,0]",
                   "Global [x,y,z] coordinate of array element (0,0,0) at scale 0 (divided by 2^s at scale s)."),
      with_default("bucket", bucket_schema(), "{}", "How to reach an s3:// or gs:// path."),
  });
}

Schema hdf5_schema() {
  return Schema::object({
      required("path", Schema::string(), "HDF5 file (relative paths: against the workflow directory)."),
      required("dataset", Schema::string(), "3-D dataset inside the file, stored z,y,x. Scale 0 only."),
  });
}

Schema slice_files_schema() {
  return Schema::object({
      required("slice-path-format", Schema::string(),
               "Python str.format pattern with one integer field for z, e.g. `slices/z{:05d}.png` (TIFF or PNG)."),
      with_default("slice-xy-offset", Schema::ints(2), "[0,0]", "Global [x,y] of pixel (0,0) of every slice."),
  });
}

Schema precomputed_schema() {
  return Schema::object({
      required("path", Schema::string(),
               "Neuroglancer precomputed volume: a directory, `file://...`, `s3://bucket/prefix`, `gs://bucket/prefix`, "
               "optionally behind `precomputed://`."),
      with_default("scale", Schema::integer().at_least(0), "0",
                   "Index in the info file's `scales` that is this volume's scale 0; scale s reads index scale+s."),
      with_default("bucket", bucket_schema(), "{}", "How to reach an s3:// or gs:// path."),
  });
}

}  // namespace

Schema volume_schema() {
  return Schema::object({
                            optional("n5", n5_schema(), "N5 container (read with our N5 reader)."),
                            optional("zarr", zarr_schema(), "Zarr v2 array."),
                            optional("hdf5", hdf5_schema(), "HDF5 dataset."),
                            optional("slice-files", slice_files_schema(), "A stack of 2-D TIFF or PNG images, one per z."),
                            optional("precomputed", precomputed_schema(), "Neuroglancer precomputed volume."),
                            with_default("geometry", geometry_schema(), "{}", "Which part of the volume to use."),
                        })
      .exactly_one_of(volume_services());
}

}  // namespace dflow::config
