#pragma once
// Sorting the label-index table within a memory budget: the project's external sort
// (core/external_sort.hpp) over 28-byte IndexRecords. The order is a total order on all fields, so the
// stream is identical whatever the budget.
#include "core/external_sort.hpp"
#include "labelindex/record.hpp"

namespace dflow::labelindex {

using RecordStream = SortedStream<IndexRecord>;
using RecordSorter = ExternalSorter<IndexRecord>;

}  // namespace dflow::labelindex
