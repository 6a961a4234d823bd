'use strict'; // the test console's script
