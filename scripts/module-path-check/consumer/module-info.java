/** A user of the library on the module path: it reads only what the modules export. */
module dev.joblet.consumer {
    requires dev.joblet;
    requires dev.joblet.agent;
    requires dev.joblet.junit;
}
