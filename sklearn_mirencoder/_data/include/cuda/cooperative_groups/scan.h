/* cooperative_groups/scan.h -- shipped by sklearn-mirencoder: inclusive_scan
   and exclusive_scan are in reduce.h. */
#include "reduce.h"
