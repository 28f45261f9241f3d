/* thrust/copy.h -- shipped by sklearn-mirencoder: see __mirencoder_thrust.h. */
#include "__mirencoder_thrust.h"
